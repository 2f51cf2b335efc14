"""Segmentation data from a folder: ``images/K.ext`` paired with ``masks/K.png``.

The whole set is read once into memory, shrunk so the shorter side is at most
``max_side`` (training crops are far smaller than the photos), and split into
train / selection parts by a hash of each file name, so the split does not depend on
the seed or on the order files are listed in. ``load_training_set`` joins several such
folders (names prefixed by the folder's place, ``1/00042``) and negatives: photos of
a folder's ``images/`` that show none of the class, with all-zero masks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from retouch.core.errors import InputError
from retouch.core.io import read_image, read_mask

__all__ = [
    "Sample",
    "fingerprint",
    "load_pairs",
    "load_training_set",
    "negative_files",
    "pair_files",
    "split_names",
]

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


def negative_files(root: str | Path, limit: int = 0) -> list[Path]:
    """The images of ``root/images`` (sorted by name); ``limit`` > 0 keeps that many,
    those whose name hash is lowest (the same ones on every machine)."""
    images = Path(root) / "images"
    if not images.is_dir():
        raise InputError(f"{root}: expected the folder images/ inside it")
    found = sorted(p for p in images.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not found:
        raise InputError(f"{images} holds no images")
    if limit > 0:
        rank = lambda p: hashlib.sha1(p.name.encode()).hexdigest()  # noqa: E731
        found = sorted(sorted(found, key=rank)[:limit])
    return found


def load_training_set(
    folders: str | Path | tuple,
    *,
    negatives: tuple = (),
    negatives_max: int = 0,
    max_side: int = 0,
) -> tuple[list[Sample], str]:
    """(samples, data fingerprint) of one or more pair folders and negative folders.

    One folder without negatives reads exactly as ``load_pairs(pair_files(folder))``
    (same names, same fingerprint). With several, names get the folder's place as a
    prefix (``0/00042``), negatives ``neg0/<name>``; the fingerprint covers every file
    and every name."""
    folders = (folders,) if isinstance(folders, (str, Path)) else tuple(folders)
    sets = [pair_files(f) for f in folders]
    if len(sets) == 1 and not negatives:
        return load_pairs(sets[0], max_side=max_side), fingerprint(sets[0])
    h, samples = hashlib.sha256(), []
    for i, pairs in enumerate(sets):
        h.update(f"{i}:{fingerprint(pairs)}".encode())
        for s in load_pairs(pairs, max_side=max_side):
            samples.append(Sample(f"{i}/{s.name}", s.image, s.mask))
    for j, folder in enumerate(negatives):
        for path in negative_files(folder, negatives_max):
            h.update(f"neg{j}/{path.name}".encode() + hashlib.sha256(path.read_bytes()).digest())
            image = read_image(path)
            blank = np.zeros(image.shape[:2], np.uint8)
            image, blank = _shrink(image, blank, max_side) if max_side else (image, blank)
            samples.append(Sample(f"neg{j}/{path.stem}", image, blank))
    return samples, h.hexdigest()
