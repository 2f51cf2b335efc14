"""``retouch synth tattoo``: synthetic training and evaluation pairs (retouch.tattoo.synth).

retouch synth tattoo --skin ../shared/data/skin/train -o pairs/ -n 1000 --seed 0
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from retouch.cli.batch import bounded_float, bounded_int


def add_parser(sub) -> None:
    p = sub.add_parser("synth", help="make synthetic data (tattooed / clean photo pairs)")
    kinds = p.add_subparsers(dest="synth_kind", metavar="KIND", required=True)
    t = kinds.add_parser(
        "tattoo",
        help="procedural tattoos on skin photos: tattooed photo, clean photo, ink mask",
        description="Put procedural tattoos (line art, tribal, lettering, dotwork, "
        "geometric, colour) on the photos of a skin folder (images/ and masks/ of skin) as "
        "ink would sit: only on skin, multiplied, bent, faded, partly covered, with camera "
        "noise and JPEG. Writes OUTPUT/images/N.jpg (tattooed), OUTPUT/clean/N.jpg and "
        "OUTPUT/masks/N.png (0/255 ink) and OUTPUT/manifest.json. The same --seed writes "
        "the same samples; use seeds never used in training for evaluation.",
    )
    t.add_argument("--skin", type=Path, required=True, help="folder with images/ and masks/")
    t.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    t.add_argument(
        "-n",
        "--count",
        type=bounded_int(1, 10_000_000),
        default=100,
        help="samples to write (default 100)",
    )
    t.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=0, help="seed (default 0)")
    t.add_argument(
        "--crop",
        type=bounded_float(0.0, 4.0),
        default=0.0,
        metavar="MARGIN",
        help="cut each sample to its ink's box grown by MARGIN box sides on every side, "
        "written as PNG (pairs for image-to-image training; default 0: whole photos)",
    )
    t.add_argument(
        "--overwrite",
        action="store_true",
        help="write over the samples of an earlier run in OUTPUT",
    )


def run(args: argparse.Namespace) -> int:
    from retouch.tattoo.synth import synthesise

    bars: list[tqdm] = []  # opened at the first sample, after every check has passed

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc="synth tattoo", unit="pair", file=sys.stderr))
        bars[0].update(done - bars[0].n)

    try:
        records = synthesise(
            args.skin,
            args.output,
            count=args.count,
            seed=args.seed,
            overwrite=args.overwrite,
            crop=args.crop,
            progress=progress,
        )
    finally:
        for bar in bars:
            bar.close()
    print(f"{len(records)} pairs in {args.output} (seed {args.seed})")
    return 0
