#!/usr/bin/env python
"""A contact sheet of segmentation overlays for a visual check (writes into out/).

    .venv/bin/python scripts/contact_sheet.py [--data ../shared/data] [-o out/contact_sheet.png]

One row per photo: the photo, the person mask (green), the adaptive skin mask
(red), the face parts (skin pink, eyes blue, brows brown, lips red) and, for the
12 dev photos, the set's ground truth (yellow: skin, person, or face skin+nose).
The photos come from ../shared/data, so the sheet stays in the ignored out/
folder: never commit it.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import cv2
import numpy as np

from retouch.core.io import read_image, read_mask, write_image
from retouch.core.registry import create
from retouch.segment.refine import overlay

DEV = [  # 12 photos from the dev sets, group photos and the worst cases among them
    "skin/dev/images/pratheepan_3115267-My-very-large-Indian-family-2.jpg",
    "skin/dev/images/pratheepan_07-c140-12family-red-rr-398h.jpg",
    "skin/dev/images/pratheepan_obama_family.jpg",
    "skin/dev/images/pratheepan_large_Chapman-family.jpg",
    "skin/dev/images/pratheepan_uid56fid51_SitasFamily.jpg",
    "skin/dev/images/pratheepan_friends.jpg",
    "skin/dev/images/pratheepan_FamilyChildrenServiceMinneapolis4.jpg",
    "skin/dev/images/pratheepan_tang-wei-1.jpg",
    "skin/dev/images/abdomen_593.jpg",
    "person/dev/images/apd_model-2134460_1920.jpg",
    "face_parsing/dev/images/40.jpg",
    "face_parsing/dev/images/7.jpg",
]
PEOPLE = [  # no ground truth: group, street, sport and B&W photos
    "people/Solvay_conference_1927_Version2_2126x1463.jpg",
    "people/basketball1.jpg",
    "people/vtest_0237.jpg",
    "people/messi5.jpg",
    "people/grace_hopper.jpg",
    "portraits/girl-2099354_1920.jpg",
]
PART_COLOURS = {
    "skin": (255, 120, 200),
    "eyes": (40, 90, 255),
    "brows": (150, 90, 30),
    "lips": (255, 0, 0),
}


def truth(data: Path, rel: str, shape: tuple[int, int]) -> np.ndarray:
    """The set's ground truth for a dev photo (skin+nose for face-parsing labels), or zeros."""
    path = data / rel.replace("/images/", "/masks/").rsplit(".", 1)[0]
    if Path(f"{path}.png").is_file():
        return read_mask(f"{path}.png")
    labels = data / rel.replace("/images/", "/labels/").rsplit(".", 1)[0]
    if Path(f"{labels}.png").is_file():
        return np.where(np.isin(read_image(f"{labels}.png")[..., 0], (2, 4)), 255, 0).astype(
            np.uint8
        )
    return np.zeros(shape, np.uint8)


def row(image: np.ndarray, gt: np.ndarray | None, height: int) -> np.ndarray:
    person = create("person")(image)
    skin = create("skin")(image)
    parts = image.copy()
    for part, colour in PART_COLOURS.items():
        parts = overlay(parts, create("face", part=part)(image), colour=colour, alpha=0.55)
    tiles = [image, overlay(image, person, colour=(40, 220, 90)), overlay(image, skin), parts]
    if gt is not None:
        tiles.append(overlay(image, gt, colour=(255, 200, 0)))
    w = round(image.shape[1] * height / image.shape[0])
    return np.hstack([cv2.resize(t, (w, height), interpolation=cv2.INTER_AREA) for t in tiles])


def sheet(rows: list[np.ndarray]) -> np.ndarray:
    width = max(r.shape[1] for r in rows)
    pad = [((0, 4), (0, width - r.shape[1]), (0, 0)) for r in rows]
    return np.vstack([np.pad(r, p, constant_values=255) for r, p in zip(rows, pad, strict=True)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("-o", "--output", type=Path, default=Path("out/contact_sheet.png"))
    parser.add_argument("--height", type=int, default=240)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    dev = []
    for rel in DEV:
        image = read_image(args.data / rel)
        dev.append(row(image, truth(args.data, rel, image.shape[:2]), args.height))
    people = [row(read_image(args.data / rel), None, args.height) for rel in PEOPLE]
    for i in range(0, len(dev), 4):
        write_image(
            args.output.with_name(f"{args.output.stem}_{i // 4 + 1}.png"), sheet(dev[i : i + 4])
        )
    write_image(args.output, sheet(dev))
    write_image(args.output.with_name(f"{args.output.stem}_people.png"), sheet(people))
    print(f"wrote {args.output} (+ _1.._3 parts) and {args.output.stem}_people.png")


if __name__ == "__main__":
    main()
