"""``retouch train``: rebuild the small learned tables that ship with retouch."""

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
        "skin-color",
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


def run(args: argparse.Namespace) -> int:
    from retouch.segment.skin.bayes import table_path, write_table
    from retouch.segment.skin.train import learn_color_table

    output = args.output or table_path()
    bar = tqdm(desc="skin-color", unit="img", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    table, record = learn_color_table(args.data, smoothing=args.smoothing, progress=progress)
    bar.close()
    write_table(output, table, record)
    print(json.dumps({**record, "written": str(output)}, indent=2))
    return 0
