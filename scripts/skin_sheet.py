#!/usr/bin/env python
"""Contact sheet for skin methods on dev photos: photo, ground truth, then each method,
with the per-image IoU written on every panel (writes into the ignored out/ folder).

    .venv/bin/python scripts/skin_sheet.py [--data ../shared/data/skin/dev] \
        [--method u2netp --method adaptive] [--names a,b,...] [-o out/skin_sheet.png]

Default photos: every 12th dev photo plus the Pratheepan family photos.
The photos are research data: the sheet stays in out/, never committed.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import cv2
import numpy as np

from retouch.core.io import read_image, read_mask, write_image
from retouch.core.registry import create
from retouch.segment.evaluate import score_masks
from retouch.segment.refine import overlay

CELL = 260


def _cell(image: np.ndarray, label: str) -> np.ndarray:
    h, w = image.shape[:2]
    f = CELL / max(h, w)
    small = cv2.resize(image, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    out = np.full((CELL + 22, CELL, 3), 255, np.uint8)
    out[22 : 22 + small.shape[0], : small.shape[1]] = small
    cv2.putText(out, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data/skin/dev"))
    p.add_argument("--method", action="append", default=None)
    p.add_argument("--names", default=None, help="comma-separated image stems")
    p.add_argument("-o", "--output", type=Path, default=Path("out/skin_sheet.png"))
    args = p.parse_args()
    logging.disable(logging.WARNING)
    methods = args.method or ["u2netp", "adaptive"]
    runners = {m: create("skin", m) for m in methods}
    files = sorted((args.data / "images").iterdir())
    if args.names:
        keep = set(args.names.split(","))
        files = [f for f in files if f.stem in keep]
    else:
        files = files[::12] + [f for f in files if "family" in f.stem.lower()][:6]
    rows = []
    for f in files:
        image, truth = read_image(f), read_mask(args.data / "masks" / f"{f.stem}.png")
        cells = [_cell(image, f.stem[:34]), _cell(overlay(image, truth, colour=(255, 220, 0)), "truth")]
        for name, method in runners.items():
            mask = method(image)
            iou = score_masks(mask, truth)[0]
            cells.append(_cell(overlay(image, mask), f"{name} IoU {iou:.2f}"))
        rows.append(np.hstack(cells))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_image(args.output, np.vstack(rows))
    print(args.output)


if __name__ == "__main__":
    main()
