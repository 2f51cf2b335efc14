"""``retouch train pairs``: train the image-to-image generator on pairs of images, and
the pairs branch of ``retouch train export`` (registered by ``cli.train``).

retouch train pairs --inputs photos/ --targets drawings/ --run runs/lineart
retouch train export runs/lineart -o lineart.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm


def add_pairs_parser(tasks) -> None:
    p = tasks.add_parser(
        "pairs",
        help="train the image-to-image generator on input/target pairs (train extra: torch)",
        description="Train the self-attention U-Net generator to turn each image of INPUTS "
        "into the image of TARGETS with the same file stem (feature loss, progressive "
        "resizing). The run folder gets recipe.yaml, meta.json, metrics.jsonl, last.pt, "
        "best.pt; `retouch train export RUN -o model.onnx` exports it.",
    )
    p.add_argument("--inputs", required=True, type=Path, help="folder of input images")
    p.add_argument("--targets", required=True, type=Path, help="folder of target images")
    p.add_argument(
        "--recipe", type=Path, default=None, help="YAML pairs recipe (default: built in)"
    )
    p.add_argument("--run", required=True, type=Path, help="run folder to create (or resume)")
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    p.add_argument("--size", type=int, default=None, help="one crop size instead of the recipe's")
    p.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    p.add_argument("--resume", action="store_true", help="continue from RUN/last.pt")


def step_bars() -> tuple[Callable[[int, int, dict], None], list[tqdm]]:
    """A trainer's ``progress(step, steps, info)`` drawing one bar per epoch on stderr
    ("epoch E/N @Spx", the loss), and the list holding the bar once the first step made
    it (an input error prints no bar); close what the list holds when training ends."""
    bars: list[tqdm] = []

    def progress(done: int, total: int, info: dict) -> None:
        if not bars:
            bars.append(tqdm(unit="step", file=sys.stderr, dynamic_ncols=True))
        bar = bars[0]
        if done == 1:
            bar.reset(total=total)
            bar.set_description(f"epoch {info['epoch']}/{info['epochs']} @{info['size']}px")
        bar.set_postfix(loss=f"{info['loss']:.4f}", refresh=False)
        bar.update(done - bar.n)

    return progress, bars


def run_pairs(args: argparse.Namespace) -> int:
    from retouch.train.pairs import load_pairs_recipe
    from retouch.train.pairs_train import train_pairs

    recipe = load_pairs_recipe(
        args.recipe,
        inputs=str(args.inputs),
        targets=str(args.targets),
        epochs=args.epochs,
        sizes=[args.size] if args.size is not None else None,
        seed=args.seed,
    )
    progress, bars = step_bars()
    try:
        record = train_pairs(recipe, args.run, resume=args.resume, progress=progress)
    finally:
        for bar in bars:
            bar.close()
    print(json.dumps({"run": str(args.run), **record}))
    return 0


def export_pairs_cli(args: argparse.Namespace) -> int:
    from retouch.train.pairs_export import export_pairs

    record = export_pairs(
        args.run_dir, args.output, checkpoint=args.checkpoint, data_note=args.data_note
    )
    print(
        json.dumps(
            {
                "written": str(args.output),
                "sha256": record["sha256"],
                "bytes": record["bytes"],
                "onnx_vs_torch_max_abs": record["onnx_vs_torch_max_abs"],
            }
        )
    )
    return 0
