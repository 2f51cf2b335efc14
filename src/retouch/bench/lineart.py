"""``retouch bench lineart``: seconds per megapixel of every line-art method and of the
cartoon, the share of ink far outside the person mask, and a contact sheet.

Stray ink: of all ink pixels (darker than 128) of a drawing, the share farther than
``far`` px (5) from the person mask of the photo (``retouch.segment("person")``, its
default method). Photos where no person is found are left out of that number.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from retouch.bench.sheet import contact_sheet
from retouch.core.io import read_image
from retouch.core.registry import create

__all__ = ["COLUMNS", "format_table", "run", "stray_ink"]

COLUMNS = (("xdog", "lineart", "xdog"), ("hed", "lineart", "hed"),
           ("portrait", "lineart", "portrait"), ("cartoon", "cartoon", "flat"))  # fmt: skip
EXTENSIONS = {".jpg", ".jpeg", ".png"}


def stray_ink(drawing: np.ndarray, person: np.ndarray, far: int = 5) -> float | None:
    """Share of the ink of ``drawing`` (H x W x 3 uint8, black on white) farther than
    ``far`` px outside ``person`` (H x W uint8 0/255); None when ``person`` is empty."""
    if not person.any():
        return None
    ink = drawing.min(axis=2) < 128
    if not ink.any():
        return 0.0
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * far + 1, 2 * far + 1))
    near = cv2.dilate(person, disk) > 0
    return float((ink & ~near).sum() / ink.sum())


def _timed(fn: Callable[[np.ndarray], np.ndarray], image: np.ndarray) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    out = fn(image)
    return out, time.perf_counter() - start


def photos(folders: list[Path]) -> list[Path]:
    """The photos of ``folders``, sorted by folder then name."""
    return [p for f in folders for p in sorted(f.iterdir()) if p.suffix.lower() in EXTENSIONS]


def run(paths: list[Path], *, progress: Callable[[], None] | None = None) -> tuple[list, list]:
    """Every method on every photo: (rows of numbers, contact-sheet rows). A row: photo,
    megapixels, and per method its seconds per MP and stray-ink share."""
    methods = {label: create(task, name) for label, task, name in COLUMNS}
    person = create("person")
    methods["portrait"](np.full((64, 64, 3), 128, np.uint8))  # warm up (sessions, caches)
    rows, sheet = [], []
    for path in paths:
        image = read_image(path)
        mp = image.shape[0] * image.shape[1] / 1e6
        mask = person(image)
        row: dict = {"photo": f"{path.parent.name}/{path.name}", "megapixels": round(mp, 3)}
        tiles = [(path.stem[:24], image)]
        for label, fn in methods.items():
            out, seconds = _timed(fn, image)
            row[f"{label}_s_per_mp"] = seconds / mp
            row[f"{label}_stray"] = stray_ink(out, mask)
            tiles.append((label, out))
        rows.append(row)
        sheet.append(tiles)
        if progress:
            progress()
    return rows, sheet


def summarise(rows: list[dict]) -> dict:
    """Per method: median and worst seconds per MP; mean and worst stray-ink share."""
    out = {}
    for label, _, _ in COLUMNS:
        speed = [r[f"{label}_s_per_mp"] for r in rows]
        stray = [r[f"{label}_stray"] for r in rows if r[f"{label}_stray"] is not None]
        out[label] = {
            "median_s_per_mp": float(np.median(speed)),
            "max_s_per_mp": float(np.max(speed)),
            "mean_stray": float(np.mean(stray)) if stray else None,
            "max_stray": float(np.max(stray)) if stray else None,
        }
    return out


def format_table(summary: dict) -> str:
    """The summary as a text table."""
    lines = [f"{'method':<10} {'s/MP med':>9} {'s/MP max':>9} {'stray mean':>11} {'stray max':>10}"]
    for label, s in summary.items():
        mean = "-" if s["mean_stray"] is None else f"{100 * s['mean_stray']:.2f}%"
        worst = "-" if s["max_stray"] is None else f"{100 * s['max_stray']:.2f}%"
        lines.append(
            f"{label:<10} {s['median_s_per_mp']:>9.2f} {s['max_s_per_mp']:>9.2f} "
            f"{mean:>11} {worst:>10}"
        )
    return "\n".join(lines)


def sheet_image(sheet: list) -> np.ndarray:
    """The contact sheet (photo, xdog, hed, portrait, cartoon per row), H x W x 3 uint8."""
    return contact_sheet(sheet, tile_height=256)
