#!/usr/bin/env python
"""A contact sheet of segmentation overlays for a visual check (writes into out/).

    .venv/bin/python scripts/contact_sheet.py [--data ../shared/data] [-o out/contact_sheet.png]

One row per photo: the photo, the person mask, the adaptive skin mask and the
face parts (skin pink, eyes blue, brows brown, lips red). The photos come from
../shared/data, so the sheet stays in the ignored out/ folder: never commit it.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import cv2
import numpy as np

from retouch.core.io import read_image, write_image
from retouch.core.registry import create
from retouch.segment.refine import overlay

PHOTOS = [
    "people/Solvay_conference_1927_Version2_2126x1463.jpg",
    "skin/dev/images/pratheepan_uid56fid51_SitasFamily.jpg",
    "skin/dev/images/pratheepan_obama_family.jpg",
    "skin/dev/images/pratheepan_large_Chapman-family.jpg",
    "people/basketball1.jpg",
    "people/vtest_0237.jpg",
    "people/messi5.jpg",
    "people/grace_hopper.jpg",
    "portraits/girl-2099354_1920.jpg",
    "person/dev/images/apd_model-2134460_1920.jpg",
    "face_parsing/dev/images/7.jpg",
    "skin/dev/images/abdomen_593.jpg",
]
PART_COLOURS = {
    "skin": (255, 120, 200),
    "eyes": (40, 90, 255),
    "brows": (150, 90, 30),
    "lips": (255, 0, 0),
}


def row(image: np.ndarray, height: int) -> np.ndarray:
    person = create("person")(image)
    skin = create("skin")(image)
    parts = image.copy()
    for part, colour in PART_COLOURS.items():
        parts = overlay(parts, create("face", part=part)(image), color=colour, alpha=0.55)
    tiles = [image, overlay(image, person, color=(40, 220, 90)), overlay(image, skin), parts]
    w = round(image.shape[1] * height / image.shape[0])
    return np.hstack([cv2.resize(t, (w, height), interpolation=cv2.INTER_AREA) for t in tiles])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("-o", "--output", type=Path, default=Path("out/contact_sheet.png"))
    parser.add_argument("--height", type=int, default=240)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    rows = [row(read_image(args.data / p), args.height) for p in PHOTOS]
    width = max(r.shape[1] for r in rows)
    sheet = np.vstack(
        [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_image(args.output, sheet)
    for i in range(0, len(rows), 4):
        part = np.vstack(
            [
                np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255)
                for r in rows[i : i + 4]
            ]
        )
        write_image(args.output.with_name(f"{args.output.stem}_{i // 4 + 1}.png"), part)
    print(f"wrote {args.output} ({sheet.shape[1]}x{sheet.shape[0]}) and 3 parts")


if __name__ == "__main__":
    main()
