"""Training data of ``retouch train inpaint``: photos, random crops and our own holes.

Photos come from the recipe's folders (``../shared/data/inpaint/train/images`` by
default; never the dev images nor the NVIDIA masks, which are for evaluation only).
Each view is a crop of side ``zoom * short side`` (``zoom`` uniform in ``scale``) at a
random place, resized to ``size``, flipped left-right half the time, with a hole mask
from ``retouch.train.holes.hole_mask`` whose target ratio is uniform in ``ratio``.
View ``index`` of ``epoch`` is drawn from ``np.random.default_rng([seed, epoch,
index])``: the same in a resumed run as in an uninterrupted one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from retouch.core.errors import InputError
from retouch.core.io import read_image
from retouch.train.data import IMAGE_SUFFIXES
from retouch.train.holes import hole_mask

__all__ = ["data_fingerprint", "find_photos", "inpaint_view", "read_photos"]


def find_photos(folders: list[str] | tuple[str, ...]) -> list[Path]:
    """Every image file in ``folders`` (not recursive), sorted by folder then name.
    Raises InputError for a missing folder or when none holds an image."""
    files: list[Path] = []
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            raise InputError(f"{root}: no such folder of training photos")
        files += sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {list(folders)}")
    return files


def data_fingerprint(files: list[Path]) -> str:
    """sha256 over the names and bytes of ``files``: what a run was trained on."""
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def read_photos(files: list[Path], *, max_side: int = 0) -> list[tuple[str, np.ndarray]]:
    """(stem, ``H x W x 3`` uint8 RGB) per file; ``max_side`` > 0 shrinks the shorter
    side to it (INTER_AREA)."""
    out = []
    for p in files:
        img = read_image(p)
        f = max_side / min(img.shape[:2]) if max_side else 1.0
        if f < 1:
            size = (max(1, round(img.shape[1] * f)), max(1, round(img.shape[0] * f)))
            img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        out.append((p.stem, img))
    return out


def inpaint_view(
    image: np.ndarray,
    rng: np.random.Generator,
    *,
    size: int,
    scale: tuple[float, float] = (0.5, 1.0),
    ratio: tuple[float, float] = (0.05, 0.6),
    flip: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """One training view of ``image`` (``H x W x 3`` uint8): the ``size x size x 3``
    uint8 crop and its ``size x size`` uint8 hole mask (255 = hole).

    >>> img = np.zeros((80, 120, 3), np.uint8)
    >>> v, m = inpaint_view(img, np.random.default_rng(0), size=32)
    >>> v.shape, m.shape, m.dtype
    ((32, 32, 3), (32, 32), dtype('uint8'))
    """
    h, w = image.shape[:2]
    side = max(8, min(h, w, round(rng.uniform(*scale) * min(h, w))))
    top, left = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    crop = image[top : top + side, left : left + side]
    interp = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    crop = cv2.resize(crop, (size, size), interpolation=interp)
    if flip and rng.random() < 0.5:
        crop = crop[:, ::-1]
    target = float(rng.uniform(*ratio))
    mask = hole_mask(rng, size, size, ratio=(target, target))
    return np.ascontiguousarray(crop), mask
