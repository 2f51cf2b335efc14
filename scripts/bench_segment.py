#!/usr/bin/env python
"""Speed of every segmenter on 1-megapixel photos: median milliseconds per image.

    .venv/bin/python scripts/bench_segment.py [--data ../shared/data] [--repeat 5]

Each photo is resized to 1.0 MP (``--megapixels``; aspect kept); each method runs once untimed
(model loading), then ``--repeat`` timed runs; the median is printed. Use it
on an otherwise idle machine: the numbers are wall-clock time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from retouch.core.io import read_image
from retouch.core.registry import create, list_methods

PHOTOS = {
    "portrait": "portraits/girl-2099354_1920.jpg",
    "family": "skin/dev/images/pratheepan_uid56fid51_SitasFamily.jpg",
    "group-29": "people/Solvay_conference_1927_Version2_2126x1463.jpg",
}


def resize_to(image: np.ndarray, megapixels: float = 1.0) -> np.ndarray:
    h, w = image.shape[:2]
    s = (megapixels * 1e6 / (h * w)) ** 0.5
    size = (round(w * s), round(h * s))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)


def median_ms(method, image: np.ndarray, repeat: int) -> float:
    method(image)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        method(image)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--task", action="append", default=None, help="person, face, skin")
    parser.add_argument("--photo", action="append", choices=sorted(PHOTOS), default=None)
    parser.add_argument("--megapixels", type=float, default=1.0, help="resize photos to this")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    photos = {
        k: resize_to(read_image(args.data / v), args.megapixels)
        for k, v in PHOTOS.items()
        if k in (args.photo or PHOTOS)
    }
    print(
        f"{'task':<7} {'method':<10} "
        + " ".join(
            f"{k + ' ' + str(v.shape[1]) + 'x' + str(v.shape[0]):>20}" for k, v in photos.items()
        )
    )
    for task in args.task or ["person", "face", "skin"]:
        for info in list_methods(task):
            method = create(task, info.name)
            row = [median_ms(method, img, args.repeat) for img in photos.values()]
            print(f"{task:<7} {info.name:<10} " + " ".join(f"{ms:>17.1f} ms" for ms in row))


if __name__ == "__main__":
    main()
