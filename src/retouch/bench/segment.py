"""Speed of the segmenters (person, face, skin) on photos resized to a fixed size.

Each method runs once untimed (model loading, first-call set-up), then ``repeat``
timed runs; the median wall-clock time is reported. Run it on an idle machine.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from retouch.core.io import read_image
from retouch.core.registry import create, list_methods

__all__ = ["PHOTOS", "format_table", "median_ms", "resize_to", "run"]

# Photos under ../shared/data: one close portrait, a family photo, a 29-person group.
PHOTOS = {
    "portrait": "portraits/girl-2099354_1920.jpg",
    "family": "skin/dev/images/pratheepan_uid56fid51_SitasFamily.jpg",
    "group-29": "people/Solvay_conference_1927_Version2_2126x1463.jpg",
}


def resize_to(image: np.ndarray, megapixels: float = 1.0) -> np.ndarray:
    """``image`` scaled to ``megapixels`` (aspect kept)."""
    h, w = image.shape[:2]
    s = (megapixels * 1e6 / (h * w)) ** 0.5
    size = (round(w * s), round(h * s))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)


def median_ms(method: Callable, image: np.ndarray, repeat: int) -> float:
    method(image)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        method(image)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(
    photos: dict[str, Path],
    *,
    tasks: list[str],
    methods: list[str] | None = None,
    megapixels: float = 1.0,
    repeat: int = 5,
) -> list[dict]:
    """One row per (task, method): median milliseconds per photo."""
    images = {k: resize_to(read_image(p), megapixels) for k, p in photos.items()}
    rows = []
    logging.disable(logging.WARNING)
    try:
        for task in tasks:
            for info in list_methods(task):
                if methods and info.name not in methods:
                    continue
                method = create(task, info.name)
                ms = {k: round(median_ms(method, img, repeat), 1) for k, img in images.items()}
                sizes = {k: f"{img.shape[1]}x{img.shape[0]}" for k, img in images.items()}
                rows.append({"task": task, "method": info.name, "ms": ms, "sizes": sizes})
    finally:
        logging.disable(logging.NOTSET)
    return rows


def format_table(rows: list[dict]) -> str:
    if not rows:
        return "no methods matched"
    keys = list(rows[0]["ms"])
    head = f"{'task':<7} {'method':<10} " + " ".join(
        f"{k + ' ' + rows[0]['sizes'][k]:>22}" for k in keys
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['task']:<7} {r['method']:<10} " + " ".join(f"{r['ms'][k]:>19.1f} ms" for k in keys)
        )
    return "\n".join(lines)
