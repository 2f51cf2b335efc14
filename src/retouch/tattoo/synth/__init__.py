"""Synthetic tattoo pairs (``retouch synth tattoo``): skin photos with procedural ink.

Each sample is made from one photo of a skin folder (``images/K.jpg`` with its skin
mask ``masks/K.png``, e.g. ``../shared/data/skin/train``) and one to three designs
(``designs``: line art, tribal, lettering, dotwork, geometric, colour fills, and the
regions of ``regions``: solid blackwork, black-and-grey shading, colour-packed fills;
one sample in four starts with a sleeve-size piece), placed, bent and aged as ink
(``render``), and written as three files:

- ``images/NNNNN.jpg``: the tattooed photo;
- ``clean/NNNNN.jpg``: the same photo without the tattoo (same noise and JPEG quality);
- ``masks/NNNNN.png``: 0/255, where the ink visibly changes the photo.

Realism pieces (``realism``: a crop of another photo of the folder rendered as ink, in
black and grey or in colour) are half of the large pieces and 15 % of the other designs.

Sample ``i`` of seed ``S`` depends on ``(S, i)`` only (its own ``np.random.Generator``),
so the same command writes the same bytes, and a larger ``-n`` extends a set.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retouch.core.arrays import as_float, check_image, check_mask
from retouch.core.atomic import write_atomic
from retouch.core.errors import InputError
from retouch.core.io import read_image, read_mask, write_image, write_mask
from retouch.tattoo.synth import render
from retouch.tattoo.synth.designs import REGION_FAMILIES, Design, make_design
from retouch.tattoo.synth.realism import realism

__all__ = ["Sample", "backgrounds", "make_sample", "synthesise"]

MAX_TRIES = 8  # photos tried per sample before giving up (too little skin)
LARGE_SHARE = 0.25  # samples whose first design is a large piece (a sleeve, a back piece)
# With a picture to draw from: the share of large pieces, and of the other designs, that
# are realism (a photo in ink: portraits, animals; tattoo/dev's sleeves are mostly that).
REALISM_LARGE, REALISM_SMALL = 0.5, 0.15


@dataclass(frozen=True)
class Sample:
    """One pair: ``tattooed`` and ``clean`` H x W x 3 uint8 RGB (decoded from their JPEG
    bytes ``tattooed_jpeg`` and ``clean_jpeg``), ``mask`` H x W uint8 0/255, ``info``."""

    tattooed: np.ndarray
    clean: np.ndarray
    mask: np.ndarray
    tattooed_jpeg: bytes
    clean_jpeg: bytes
    info: dict


def _design(rng: np.random.Generator, canvas: int, big: bool, picture: np.ndarray | None) -> Design:
    """One design: a realism piece from ``picture`` (when given, ``REALISM_LARGE`` of the
    large pieces and ``REALISM_SMALL`` of the rest), else a procedural one."""
    if picture is not None and rng.random() < (REALISM_LARGE if big else REALISM_SMALL):
        coverage, colour, ink = realism(rng, canvas, picture)
        return Design(coverage, colour, "realism", ink)
    family = REGION_FAMILIES[int(rng.integers(0, len(REGION_FAMILIES)))] if big else None
    return make_design(rng, canvas, family)


def _ink_layer(
    rng: np.random.Generator,
    skin: np.ndarray,
    shape: tuple[int, int],
    picture: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """1 to 3 designs placed and bent: coverage H x W, colour H x W x 3, their names.
    One photo in four gets a large piece first (a region family, or realism drawn from
    ``picture``, at sleeve size)."""
    coverage = np.zeros(shape, np.float32)
    colour = np.ones((*shape, 3), np.float32)
    names = []
    large = rng.random() < LARGE_SHARE
    for k in range(int(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.2]))):
        canvas = int(rng.choice([256, 384]))
        big = large and k == 0
        design = _design(rng, canvas, big, picture)
        homography = render.placement(rng, skin, canvas, large=big)
        if homography is None:
            break
        cov, col = render.bend(rng, *render.warp(design, homography, shape))
        colour = colour * (1 - cov[..., None]) + col * cov[..., None]
        coverage = np.maximum(coverage, cov)
        names.append(f"{design.family} ({design.ink})")
    return coverage, colour, names


def make_sample(
    rng: np.random.Generator,
    photo: np.ndarray,
    skin: np.ndarray,
    picture: np.ndarray | None = None,
) -> Sample | None:
    """A tattooed/clean pair from ``photo`` (H x W x 3 uint8 RGB) and its ``skin`` mask
    (H x W uint8, 255 = skin); None when too little ink would show (little skin).
    ``picture`` (H' x W' x 3 uint8 RGB, any photo) is what realism designs draw; without
    it every design is procedural."""
    photo = check_image(photo)
    on_skin = check_mask(skin, photo.shape[:2], name="skin") > 0
    if picture is not None:
        picture = check_image(picture)
    coverage, colour, names = _ink_layer(rng, on_skin, photo.shape[:2], picture)
    if not names:
        return None
    coverage = render.age_ink(rng, coverage, on_skin)
    clean = as_float(photo)
    occluded = rng.random() < 0.3
    if occluded:
        (clean,), coverage = render.occlude(rng, [clean], coverage)
    tattooed = render.blend(clean, coverage, colour)
    visible = render.visible_ink(tattooed, clean)
    if np.count_nonzero(visible) < 0.001 * visible.size:
        return None
    (t_bytes, c_bytes), (t8, c8) = render.camera(rng, [tattooed, clean])
    mask = np.where(visible, 255, 0).astype(np.uint8)
    info = {"designs": names, "occluded": occluded, "ink_share": round(float(visible.mean()), 4)}
    return Sample(t8, c8, mask, t_bytes, c_bytes, info)


def backgrounds(skin_dir: Path) -> list[tuple[Path, Path]]:
    """(photo, skin mask) pairs of a folder with ``images/K.*`` and ``masks/K.png``."""
    images, masks = Path(skin_dir) / "images", Path(skin_dir) / "masks"
    if not images.is_dir() or not masks.is_dir():
        raise InputError(f"{skin_dir}: expected images/ and masks/ (skin masks) inside")
    by_stem = {p.stem: p for p in masks.iterdir() if p.suffix.lower() == ".png"}
    pairs = [(p, by_stem[p.stem]) for p in sorted(images.iterdir()) if p.stem in by_stem]
    if not pairs:
        raise InputError(f"{skin_dir}: no photo in images/ has a skin mask in masks/")
    return pairs


def _check_output(skin_dir: Path, out: Path, overwrite: bool) -> None:
    src, dst = Path(skin_dir).resolve(), Path(out).resolve()
    if dst == src or src in dst.parents:
        raise InputError(f"{out}: the output is inside the skin folder {skin_dir}; choose another")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: the output must be a folder, not a file")
    if not overwrite and any(
        (out / d).is_dir() and any((out / d).iterdir()) for d in ("images", "clean", "masks")
    ):
        raise InputError(f"{out}: holds samples already; pass --overwrite or choose another folder")


def synthesise(
    skin_dir: Path,
    out: Path,
    *,
    count: int,
    seed: int,
    overwrite: bool = False,
    crop: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Write ``count`` samples made with ``seed`` into ``out``; returns the manifest
    (one record per sample: name, background, designs), also written as
    ``out/manifest.json``. Writes are atomic; nothing in ``skin_dir`` is touched.
    ``crop`` > 0: each sample is cut to its ink's bounding box grown by ``crop`` times
    its longer side on every side (``crop_to_ink``) and written as PNG, so the ink fills
    much of each picture (image-to-image training sees mostly tattoo, not bare skin)."""
    if count < 1 or seed < 0:
        raise InputError(f"count must be >= 1 and seed >= 0, got {count} and {seed}")
    if not 0 <= crop <= MAX_CROP:
        raise InputError(f"crop must be between 0 and {MAX_CROP}, got {crop}")
    _check_output(skin_dir, Path(out), overwrite)
    pairs = backgrounds(skin_dir)
    for d in ("images", "clean", "masks"):
        (Path(out) / d).mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        records.append(_one(rng, pairs, Path(out), f"{i:05d}", crop))
        if progress is not None:
            progress(i + 1, count)
    manifest = {"seed": seed, "count": count, "skin": str(skin_dir), "samples": records}
    write_atomic(Path(out) / "manifest.json", (json.dumps(manifest, indent=1) + "\n").encode())
    return records


MAX_CROP = 4.0  # the widest margin of ``crop``, in ink box sides
MIN_CROP_PX = 96  # a crop's side is at least this (or the whole photo's, if smaller)


def crop_to_ink(mask: np.ndarray, margin: float) -> tuple[slice, slice]:
    """(rows, columns): the bounding box of ``mask``'s nonzero pixels grown by ``margin``
    times its longer side on each side, at least ``MIN_CROP_PX`` a side, inside the image.

    >>> m = np.zeros((200, 300), np.uint8); m[100:110, 150:170] = 255
    >>> crop_to_ink(m, 1.0)
    (slice(57, 153, None), slice(112, 208, None))
    """
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return slice(0, h), slice(0, w)
    pad = margin * max(ys.ptp() + 1, xs.ptp() + 1)

    def span(lo: int, hi: int, size: int) -> slice:
        a, b = lo - pad, hi + 1 + pad
        short = max(0.0, min(MIN_CROP_PX, size) - (b - a))
        a, b = a - short / 2, b + short / 2
        shift = max(0.0, -a) - max(0.0, b - size)
        a, b = max(0, round(a + shift)), min(size, round(b + shift))
        return slice(a, b)

    return span(ys.min(), ys.max(), h), span(xs.min(), xs.max(), w)


def _one(
    rng: np.random.Generator,
    pairs: list[tuple[Path, Path]],
    out: Path,
    name: str,
    crop: float = 0.0,
) -> dict:
    for _ in range(MAX_TRIES):
        photo_path, mask_path = pairs[int(rng.integers(0, len(pairs)))]
        picture_path = pairs[int(rng.integers(0, len(pairs)))][0]  # what realism draws
        sample = make_sample(
            rng, read_image(photo_path), read_mask(mask_path), read_image(picture_path)
        )
        if sample is None:
            continue
        record = {"name": name, "background": photo_path.name}
        if crop > 0:
            box = crop_to_ink(sample.mask, crop)
            write_image(out / "images" / f"{name}.png", sample.tattooed[box])
            write_image(out / "clean" / f"{name}.png", sample.clean[box])
            write_mask(out / "masks" / f"{name}.png", sample.mask[box])
            record["crop"] = [box[0].start, box[1].start, box[0].stop, box[1].stop]
        else:
            write_atomic(out / "images" / f"{name}.jpg", sample.tattooed_jpeg)
            write_atomic(out / "clean" / f"{name}.jpg", sample.clean_jpeg)
            write_mask(out / "masks" / f"{name}.png", sample.mask)
        return {**record, **sample.info}
    raise InputError(f"sample {name}: {MAX_TRIES} photos in a row had too little skin for ink")
