"""``retouch bench large``: erase a hole in a 24 MP JPEG, end to end, in a child process.

The photo is the given file, or the bundled sample scaled up to the requested
size with a little grain (so the fill has texture to match). The mask is a set of
random brush strokes covering the requested fraction. The child runs
``retouch erase`` on the files; wall time and the child's peak resident memory
(ru_maxrss) are reported, so reading, filling and writing all count.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from retouch.core.io import read_image, write_image, write_mask

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample.jpg"


def stroke_mask(shape: tuple[int, int], fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Random thick brush strokes until ``fraction`` of the pixels are covered (H x W 0/255)."""
    h, w = shape
    mask = np.zeros((h, w), np.uint8)
    while np.count_nonzero(mask) < fraction * h * w:
        thickness = int(rng.integers(min(h, w) // 60, min(h, w) // 20))
        pts = [rng.integers((0, 0), (w, h))]
        for _ in range(int(rng.integers(2, 6))):
            step = rng.normal(0, min(h, w) / 8, 2)
            pts.append(np.clip(pts[-1] + step, 0, (w - 1, h - 1)).astype(int))
        cv2.polylines(mask, [np.array(pts, np.int32)], False, 255, thickness, cv2.LINE_AA)
    return np.where(mask > 127, 255, 0).astype(np.uint8)


def make_photo(path: Path, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Scale ``path`` to ``size`` = (W, H) and add film-like grain, as uint8 RGB."""
    image = cv2.resize(read_image(path), size, interpolation=cv2.INTER_CUBIC)
    grain = rng.normal(0, 4.0, image.shape[:2])[..., None]
    return np.clip(image + grain, 0, 255).astype(np.uint8)


def _warm_up(prefix: list[str], tmp: Path, method: str) -> None:
    """A tiny erase first, so JIT compilation (cached on disk) is not timed."""
    rng = np.random.default_rng(0)
    write_image(tmp / "warm.png", rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
    mask = np.zeros((64, 64), np.uint8)
    mask[20:40, 20:40] = 255
    write_mask(tmp / "warm_mask.png", mask)
    subprocess.run(
        [
            *prefix,
            "erase",
            str(tmp / "warm.png"),
            "--mask",
            str(tmp / "warm_mask.png"),
            "-o",
            str(tmp / "warm_out.png"),
            "--method",
            method,
        ],
        check=True,
        capture_output=True,
    )


def run(
    *,
    image: Path | None,
    width: int,
    height: int,
    fraction: float,
    seed: int,
    method: str,
    workdir: Path | None = None,
    keep: Path | None = None,
) -> dict:
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        tmp = Path(tmp)
        photo = tmp / "photo.jpg"
        source = image or SAMPLE
        pixels = make_photo(source, (width, height), rng) if image is None else read_image(image)
        if image is None:
            write_image(photo, pixels, quality=92)
        else:
            photo = image
        mask = stroke_mask(pixels.shape[:2], fraction, rng)
        write_mask(tmp / "mask.png", mask)
        del pixels
        cmd = [
            sys.executable,
            "-m",
            "retouch.cli.main",
            "erase",
            str(photo),
            "--mask",
            str(tmp / "mask.png"),
            "-o",
            str(tmp / "out.jpg"),
            "--method",
            method,
        ]
        _warm_up(cmd[:3], tmp, method)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode != 0:
            raise RuntimeError(f"retouch erase failed: {proc.stderr.strip()}")
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for name in ("out.jpg", "mask.png"):
                shutil.copy(tmp / name, keep / f"large_{name}")
        h, w = mask.shape
        return {
            "width": w,
            "height": h,
            "megapixels": w * h / 1e6,
            "hole_fraction": float(np.count_nonzero(mask)) / mask.size,
            "method": method,
            "seconds": seconds,
            "peak_rss_mb": peak,
            "source": str(source),
        }
