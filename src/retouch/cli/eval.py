"""``retouch eval``: score segmenters against ground truth and print a table."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from tqdm import tqdm

from retouch.cli.batch import add_option_argument, parse_options
from retouch.core.errors import InputError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "eval",
        help="score segmenters on a folder with ground truth",
        description="Run each method on DIR/images and compare with DIR/masks "
        "(or the classes of DIR/labels). Prints mean IoU (per image, "
        "averaged), F1, precision, recall, seconds per image and the "
        "5 worst images. tattoo: DIR holds pairs written by `retouch synth tattoo` "
        "(mask IoU, PSNR/SSIM of the removal, hole PSNR) or images/ with boxes/K.txt "
        "(box hit rate, share of mask pixels inside a box).",
    )
    from retouch.core.tasks import all_tasks

    p.add_argument("task", choices=[t.name for t in all_tasks() if t.ground_truth])
    p.add_argument("--data", required=True, type=Path, help="folder with images/ and masks/")
    p.add_argument(
        "--method",
        action="append",
        default=None,
        metavar="NAME",
        help="method to score (repeatable; default: every method of the task)",
    )
    p.add_argument(
        "--classes",
        default="2,4",
        help="label classes that count as positive with labels/ (default: 2,4 = "
        "skin and nose of the face-parsing set)",
    )
    add_option_argument(p, "an option passed to every method scored (repeatable)")
    p.add_argument("--limit", type=int, default=None, help="score only the first N images")
    p.add_argument("--json", type=Path, default=None, help="also write all scores to this file")


def run(args: argparse.Namespace) -> int:
    from retouch.core.registry import list_methods
    from retouch.core.tasks import BUILTIN_TASKS, get_task
    from retouch.segment.evaluate import evaluate

    if get_task(args.task).kind != "segment":  # the task scores itself (its evaluate module)
        return _run_own(importlib.import_module(f"{BUILTIN_TASKS[args.task]}.evaluate"), args)

    try:
        classes = [int(c) for c in args.classes.split(",") if c.strip()]
    except ValueError:
        raise InputError(
            f"--classes takes comma-separated integers, got {args.classes!r}"
        ) from None
    methods = args.method or [m.name for m in list_methods(args.task)]
    results = []
    for name in methods:
        bar = tqdm(desc=f"{args.task}/{name}", unit="img", file=sys.stderr, leave=False)

        def progress(done: int, total: int, bar=bar) -> None:
            bar.total = total
            bar.update(done - bar.n)

        results.append(
            evaluate(
                args.task,
                name,
                args.data,
                options=parse_options(args.option),
                classes=classes,
                limit=args.limit,
                progress=progress,
            )
        )
        bar.close()
    _print_table(results)
    if args.json:
        args.json.write_text(json.dumps([r.to_dict() for r in results], indent=1) + "\n")
    return 0


def _print_table(results) -> None:
    print(
        f"{'method':<14} {'images':>6} {'mIoU':>6} {'F1':>6} {'prec':>6} {'recall':>6} "
        f"{'s/img':>7}  worst 5 (IoU)"
    )
    for r in results:
        worst = ", ".join(f"{s.name} {s.iou:.2f}" for s in r.worst())
        print(
            f"{r.method:<14} {len(r.images):>6} {r.mean('iou'):>6.3f} {r.mean('f1'):>6.3f} "
            f"{r.mean('precision'):>6.3f} {r.mean('recall'):>6.3f} {r.mean('seconds'):>7.3f}"
            f"  {worst}"
        )


def _run_own(module, args: argparse.Namespace) -> int:
    """A task that is not a segmenter: its ``evaluate`` module's ``evaluate`` per method,
    ``format_table`` and ``as_json``."""
    from retouch.core.registry import list_methods

    methods = args.method or [m.name for m in list_methods(args.task)]
    results = []
    for name in methods:
        bar = tqdm(desc=f"{args.task}/{name}", unit="img", file=sys.stderr, leave=False)

        def progress(done: int, total: int, bar=bar) -> None:
            bar.total = total
            bar.update(done - bar.n)

        options = parse_options(args.option)
        results.append(
            module.evaluate(name, args.data, options=options, limit=args.limit, progress=progress)
        )
        bar.close()
    print(module.format_table(results))
    if args.json:
        args.json.write_text(json.dumps(module.as_json(results), indent=1) + "\n")
    return 0
