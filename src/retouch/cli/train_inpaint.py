"""``retouch train inpaint`` and ``retouch train export-inpaint`` (registered by
``cli.train``): train a learned hole filler, export it to ONNX with its record.

retouch train inpaint inpaint_pconv_cpu --out runs/pconv
retouch train export-inpaint runs/pconv --out src/retouch/inpaint/models/pconv.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

INPAINT_TASKS = ("inpaint", "export-inpaint")


def add_inpaint_parsers(tasks) -> None:
    from retouch.train.inpaint_recipe import inpaint_recipe_names  # needs no torch

    shipped = ", ".join(inpaint_recipe_names())
    p = tasks.add_parser(
        "inpaint",
        help="train a learned inpainting network (pconv, maskunet; train extra: torch)",
        description="Train an inpainting network on photo crops with our own holes (Liu et "
        f"al.'s loss). RECIPE is a YAML file or a shipped inpaint recipe ({shipped}). The "
        "run folder gets recipe.yaml, meta.json, metrics.jsonl, last.pt, best.pt.",
    )
    p.add_argument("recipe", help="YAML file or shipped inpaint recipe name")
    p.add_argument("--out", required=True, type=Path, help="run folder to create (or resume)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    p.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    e = tasks.add_parser(
        "export-inpaint",
        help="export an inpaint run to ONNX with its weights record (.json)",
        description="Write RUN's best (or last) checkpoint as ONNX (opset 17, dynamic "
        "sides that are multiples of 64), check it against torch with onnxruntime, and "
        "write the weights record beside it.",
    )
    e.add_argument("run_dir", type=Path, metavar="RUN")
    e.add_argument("--out", required=True, type=Path, help="the .onnx file to write")
    e.add_argument("--checkpoint", choices=("best", "last"), default="best")


def run_inpaint(args: argparse.Namespace) -> int:
    if args.train_task == "export-inpaint":
        return _export(args)
    from retouch.train.inpaint_recipe import load_inpaint_recipe
    from retouch.train.inpaint_train import train_inpaint

    recipe = load_inpaint_recipe(args.recipe, epochs=args.epochs, seed=args.seed)
    from retouch.cli.train_pairs import step_bars

    progress, bars = step_bars()
    try:
        record = train_inpaint(recipe, args.out, resume=args.resume, progress=progress)
    except KeyboardInterrupt:
        print(f"interrupted: {args.out}/last.pt holds the last finished epoch", file=sys.stderr)
        return 130
    finally:
        for bar in bars:
            bar.close()
    print(json.dumps({"run": str(args.out), **record}))
    return 0


def _export(args: argparse.Namespace) -> int:
    from retouch.train.inpaint_export import export_inpaint

    command = "retouch train export-inpaint " + " ".join(sys.argv[3:])
    record = export_inpaint(args.run_dir, args.out, checkpoint=args.checkpoint, command=command)
    keys = ("sha256", "bytes", "onnx_vs_torch_max_abs")
    print(json.dumps({"written": str(args.out), **{k: record[k] for k in keys}}))
    return 0
