"""``retouch train refine`` and ``retouch train export-refine``: the PatchMatch refinement
net (registered by ``cli.train``).

retouch train refine refine_cpu --out runs/refine [-O cache=/tmp/h23r/cache] [--resume]
retouch train export-refine runs/refine --out refine.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from retouch.core.errors import InputError

RECIPES = Path(__file__).resolve().parents[1] / "train" / "recipes" / "inpaint"


def add_refine_parsers(tasks) -> None:
    p = tasks.add_parser(
        "refine",
        help="train the net that corrects PatchMatch fills (train extra: torch)",
        description="Train the refinement U-Net on cached (truth, hole, PatchMatch fill) "
        "triples (python -m retouch.train.refine_data builds them). RECIPE: a shipped name "
        f"({', '.join(sorted(q.stem for q in RECIPES.glob('refine*.yaml')))}) or a YAML file.",
    )
    p.add_argument("recipe", metavar="RECIPE")
    p.add_argument("--out", required=True, type=Path, help="run folder to create (or resume)")
    p.add_argument(
        "-O",
        dest="options",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe key (YAML value), e.g. -O epochs=20",
    )
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    e = tasks.add_parser("export-refine", help="export a refinement run to ONNX + record")
    e.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    e.add_argument("--out", required=True, type=Path, help="the .onnx file to write")
    e.add_argument("--checkpoint", default="best", choices=["best", "last"])


def _recipe_path(name: str) -> Path:
    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise InputError(f"recipe {path} does not exist")
        return path
    shipped = RECIPES / f"{name}.yaml"
    if not shipped.is_file():
        names = ", ".join(sorted(q.stem for q in RECIPES.glob("refine*.yaml")))
        raise InputError(f"unknown refine recipe {name!r}; shipped: {names} (or a .yaml path)")
    return shipped


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"-O takes KEY=VALUE, got {item!r}")
        import yaml  # the train extra: only a run needs it

        out[key] = yaml.safe_load(value)
    return out


def run_refine(args: argparse.Namespace) -> int:
    if args.train_task == "export-refine":
        from retouch.train.refine_export import export_refine

        record = export_refine(args.run_dir, args.out, checkpoint=args.checkpoint)
        keys = ("sha256", "bytes", "onnx_vs_torch_max_abs")
        print(json.dumps({"written": str(args.out), **{k: record[k] for k in keys}}))
        return 0
    from tqdm import tqdm

    from retouch.train.refine_train import load_recipe, train_refine

    recipe = load_recipe(_recipe_path(args.recipe), **_overrides(args.options))
    bars: list = []

    def progress(done: int, total: int, info: dict) -> None:
        if not bars:
            bars.append(tqdm(unit="step", file=sys.stderr, dynamic_ncols=True))
        if done == 1:
            bars[0].reset(total=total)
            bars[0].set_description(f"epoch {info['epoch']}/{recipe.epochs}")
        bars[0].set_postfix(loss=f"{info['loss']:.4f}", refresh=False)
        bars[0].update(done - bars[0].n)

    try:
        record = train_refine(recipe, args.out, resume=args.resume, progress=progress)
    finally:
        for bar in bars:
            bar.close()
    print(json.dumps({"run": str(args.out), **record}))
    return 0
