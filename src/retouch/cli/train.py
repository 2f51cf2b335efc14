"""``retouch train``: rebuild the learned tables and train, export our own networks.

retouch train skin-colour --data ../shared/data/skin/train
retouch train run skin_u2netp_cpu --run runs/skin        # torch: pip install -e .[train]
retouch train export runs/skin -o u2netp_skin.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="learn the models that are learned by retouch itself")
    tasks = p.add_subparsers(dest="train_task", metavar="MODEL", required=True)
    skin = tasks.add_parser(
        "skin-colour",
        help="the skin / non-skin colour table of the `bayes` skin method",
        description="Count skin and non-skin colours in DIR/images + DIR/masks, pick the "
        "threshold on a held-out fifth, write the table and its record (.json).",
    )
    skin.add_argument(
        "--data",
        required=True,
        type=Path,
        help="folder with images/ and masks/ (a training set, never a dev set)",
    )
    skin.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="table file to write (default: the one shipped in the package)",
    )
    skin.add_argument(
        "--smoothing",
        type=float,
        default=1.0,
        help="blur of the histograms across bins (default %(default)s)",
    )
    _add_network_parsers(tasks)
    from retouch.cli.train_pairs import add_pairs_parser

    add_pairs_parser(tasks)
    from retouch.cli.train_inpaint import add_inpaint_parsers

    add_inpaint_parsers(tasks)
    from retouch.cli.train_refine import add_refine_parsers

    add_refine_parsers(tasks)


def _add_network_parsers(tasks) -> None:
    from retouch.train.config import recipe_names  # needs no train extra

    shipped = ", ".join(recipe_names())
    run = tasks.add_parser(
        "run",
        help="train a network from a YAML recipe (needs the train extra: torch)",
        description="Train a network. RECIPE is a YAML file or the name of a shipped recipe "
        f"(retouch/train/recipes: {shipped}). The run folder gets the resolved recipe, "
        "meta.json (git commit, data fingerprint, init checkpoint), metrics.jsonl, "
        "last.pt, best.pt.",
    )
    run.add_argument("recipe", help="YAML file or shipped recipe name")
    run.add_argument("--run", required=True, type=Path, help="run folder to create (or resume)")
    run.add_argument("--resume", action="store_true", help="continue from RUN/last.pt")
    run.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    run.add_argument(
        "-O",
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe value (YAML), e.g. -O lr=0.001 -O device=cpu; repeatable",
    )
    exp = tasks.add_parser(
        "export",
        help="export a trained run to ONNX with its record (.json)",
        description="Write RUN's best (or last) checkpoint as ONNX, check it against torch "
        "with onnxruntime, and write the weights record beside it.",
    )
    exp.add_argument("run_dir", type=Path, metavar="RUN")
    exp.add_argument("-o", "--output", required=True, type=Path, help="the .onnx file to write")
    exp.add_argument("--checkpoint", choices=("best", "last"), default="best")
    exp.add_argument("--data-note", default="", help="training data and citations, for the record")
    exp.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="the probability cut the record gives its users (chosen on validation data)",
    )


def _need_torch() -> None:
    import importlib.util

    from retouch.core.errors import RetouchError

    missing = [m for m in ("torch", "onnx") if importlib.util.find_spec(m) is None]
    if missing:
        raise RetouchError(
            f"training needs {' and '.join(missing)}: scripts/setup.sh train "
            "(or pip install -e '.[train]')"
        )


def _train_network(args: argparse.Namespace) -> int:
    _need_torch()
    from retouch.train.config import load_recipe
    from retouch.train.loop import train

    overrides = list(args.overrides) + ([f"seed={args.seed}"] if args.seed is not None else [])
    recipe = load_recipe(args.recipe, overrides)
    bar = tqdm(unit="step", file=sys.stderr, dynamic_ncols=True)

    def progress(done: int, total: int, info: dict) -> None:
        if done == 1:
            bar.reset(total=total)
            bar.set_description(f"epoch {info['epoch']}/{info['epochs']} @{info['size']}px")
        bar.set_postfix(loss=f"{info['loss']:.3f}", img_s=f"{info['img/s']:.1f}", refresh=False)
        bar.update(done - bar.n)
        if done == total:
            bar.refresh()

    record = train(recipe, args.run, resume=args.resume, progress=progress)
    bar.close()
    print(json.dumps({"run": str(args.run), **record}))
    return 0


def _export(args: argparse.Namespace) -> int:
    _need_torch()
    from retouch.train.pairs_export import is_pairs_run

    if is_pairs_run(args.run_dir):
        from retouch.cli.train_pairs import export_pairs_cli

        return export_pairs_cli(args)
    from retouch.train.export import check_onnx, export_onnx
    from retouch.train.loop import load_checkpoint

    record = export_onnx(
        args.run_dir,
        args.output,
        checkpoint=args.checkpoint,
        data_note=args.data_note,
        threshold=args.threshold,
    )
    model, _ = load_checkpoint(args.run_dir / f"{args.checkpoint}.pt")
    diff = check_onnx(model, args.output)
    print(
        json.dumps(
            {
                "written": str(args.output),
                "sha256": record["sha256"],
                "bytes": record["bytes"],
                "onnx_vs_torch_max_abs": diff,
            }
        )
    )
    return 0


def run(args: argparse.Namespace) -> int:
    if args.train_task == "run":
        return _train_network(args)
    if args.train_task == "export":
        return _export(args)
    if args.train_task == "pairs":
        _need_torch()
        from retouch.cli.train_pairs import run_pairs

        return run_pairs(args)
    if args.train_task in ("refine", "export-refine"):
        _need_torch()
        from retouch.cli.train_refine import run_refine

        return run_refine(args)
    if args.train_task in ("inpaint", "export-inpaint"):
        _need_torch()
        from retouch.cli.train_inpaint import run_inpaint

        return run_inpaint(args)
    from retouch.segment.skin.bayes import table_path, write_table
    from retouch.segment.skin.train import learn_colour_table

    output = args.output or table_path()
    bar = tqdm(desc="skin-colour", unit="img", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    table, record = learn_colour_table(args.data, smoothing=args.smoothing, progress=progress)
    bar.close()
    write_table(output, table, record)
    print(json.dumps({**record, "written": str(output)}, indent=2))
    return 0
