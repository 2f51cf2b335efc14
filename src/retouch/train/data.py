"""Segmentation data from a folder: ``images/K.ext`` paired with ``masks/K.png``.

The whole set is read once into memory, shrunk so the shorter side is at most
``max_side`` (training crops are far smaller than the photos), and split into
train / selection parts by a hash of each file name, so the split does not depend on
the seed or on the order files are listed in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from retouch.core.errors import InputError
from retouch.core.io import read_image, read_mask

__all__ = ["Sample", "fingerprint", "load_pairs", "pair_files", "split_names"]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class Sample:
    name: str
    image: np.ndarray  # H x W x 3 uint8 RGB
    mask: np.ndarray  # H x W uint8, 0/255


def pair_files(root: str | Path) -> list[tuple[Path, Path]]:
    """(image, mask) paths under ``root/images`` and ``root/masks``, sorted by name.

    Raises ``InputError`` when the folders are missing or an image has no mask."""
    root = Path(root)
    images, masks = root / "images", root / "masks"
    if not images.is_dir() or not masks.is_dir():
        raise InputError(f"{root}: expected the folders images/ and masks/ inside it")
    pairs, missing = [], []
    for img in sorted(p for p in images.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        mask = masks / f"{img.stem}.png"
        (pairs.append((img, mask)) if mask.is_file() else missing.append(img.name))
    if missing:
        raise InputError(
            f"{root}: no masks/<name>.png for {len(missing)} images, e.g. {missing[:3]}"
        )
    if not pairs:
        raise InputError(f"{root}/images holds no images")
    return pairs


def fingerprint(pairs: list[tuple[Path, Path]]) -> str:
    """sha256 over the names and bytes of every image and mask: what a run was trained on."""
    h = hashlib.sha256()
    for img, mask in pairs:
        for p in (img, mask):
            h.update(p.name.encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def split_names(names: list[str], fraction: float) -> tuple[list[str], list[str]]:
    """(train, selection) names: a name goes to selection when its hash falls below
    ``fraction``; stable across machines and seeds."""

    def u(name: str) -> float:
        return int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF

    held = [n for n in names if u(n) < fraction]
    return [n for n in names if u(n) >= fraction], held


def _shrink(image: np.ndarray, mask: np.ndarray, max_side: int) -> tuple[np.ndarray, np.ndarray]:
    h, w = mask.shape
    f = max_side / min(h, w)
    if f >= 1:
        return image, mask
    size = (max(1, round(w * f)), max(1, round(h * f)))
    img = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    msk = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
    return img, np.where(msk > 127, 255, 0).astype(np.uint8)


def load_pairs(pairs: list[tuple[Path, Path]], *, max_side: int = 0, progress=None) -> list[Sample]:
    """Read every pair (``max_side`` > 0 shrinks the shorter side to it)."""
    out = []
    for i, (img_path, mask_path) in enumerate(pairs):
        image, mask = read_image(img_path), read_mask(mask_path)
        if mask.shape != image.shape[:2]:
            raise InputError(f"{mask_path}: mask is {mask.shape}, image is {image.shape[:2]}")
        if max_side:
            image, mask = _shrink(image, mask, max_side)
        out.append(Sample(img_path.stem, image, mask))
        if progress:
            progress(i + 1, len(pairs))
    return out
