"""Learning the skin colour table from a folder of ``images/`` and ``masks/``.

Every fifth image (in sorted order) is held out: the histograms of the other
four fifths pick the threshold that maximises mean IoU on the held-out ones,
then the final table counts every image. Deterministic: no randomness at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retouch.core.errors import InputError
from retouch.core.io import read_image, read_mask
from retouch.segment.skin.bayes import BINS, ColourTable, bin_index

__all__ = ["learn_colour_table", "paired_files"]

DATA_SOURCES = (
    "../shared/data/skin/train: SFA (Casati et al. 2013), abdomen skin set (MRE-Lab-UMD), "
    "FASSEG (Benini et al. 2019); research use, cite"
)
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.025), 3)


def paired_files(data: Path) -> list[tuple[Path, Path]]:
    """(image, mask) pairs of ``data/images/K.*`` and ``data/masks/K.png``, sorted."""
    images, masks = data / "images", data / "masks"
    if not images.is_dir() or not masks.is_dir():
        raise InputError(f"{data}: expected the folders images/ and masks/ inside")
    by_stem = {p.stem: p for p in masks.iterdir() if p.is_file()}
    pairs = [(p, by_stem[p.stem]) for p in sorted(images.iterdir()) if p.stem in by_stem]
    if not pairs:
        raise InputError(f"{data}: no image in images/ has a mask of the same name in masks/")
    return pairs


def _histograms(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = bin_index(image)
    skin = mask > 0
    n = BINS**3
    return (
        np.bincount(idx[skin], minlength=n).astype(np.int64),
        np.bincount(idx[~skin], minlength=n).astype(np.int64),
    )


def _best_threshold(prob: np.ndarray, held: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The threshold on P(skin | bin) with the highest mean per-image IoU on ``held``."""
    scores = np.zeros(len(THRESHOLDS))
    for skin, other in held:
        for i, t in enumerate(THRESHOLDS):
            on = prob >= t
            tp = skin[on].sum()
            union = skin.sum() + other[on].sum()
            scores[i] += tp / union if union else 1.0
    return float(THRESHOLDS[int(np.argmax(scores))])


def learn_colour_table(
    data: Path, *, smoothing: float = 1.0, progress: Callable[[int, int], None] | None = None
) -> tuple[ColourTable, dict]:
    """Learn the table from ``data`` (images/ and masks/). Returns the table and its record."""
    pairs = paired_files(Path(data))
    fit_skin = np.zeros(BINS**3, np.int64)
    fit_other = np.zeros(BINS**3, np.int64)
    held = []
    for i, (image_path, mask_path) in enumerate(pairs):
        image, mask = read_image(image_path), read_mask(mask_path)
        if mask.shape != image.shape[:2]:
            raise InputError(f"{mask_path}: the mask's size differs from {image_path}'s")
        skin, other = _histograms(image, mask)
        if i % 5 == 4:
            held.append((skin, other))
        else:
            fit_skin += skin
            fit_other += other
        if progress:
            progress(i + 1, len(pairs))
    fit = ColourTable(fit_skin, fit_other, 0.5)
    threshold = _best_threshold(fit.probability(smoothing), held)
    total_skin = fit_skin + sum(h[0] for h in held)
    total_other = fit_other + sum(h[1] for h in held)
    table = ColourTable(total_skin, total_other, threshold)
    return table, _record(table, data, len(pairs), smoothing)


def _record(table: ColourTable, data: Path, images: int, smoothing: float) -> dict:
    """The table's weights record (``core.weights.WeightsRecord`` fields, then its
    provenance); name, file and sha256 are added when the file is written."""
    return {
        "source": f"built by retouch (retouch train skin-colour) from {data} ({images} images)",
        "command": f"retouch train skin-colour --data {data}",
        "licence": "aggregate colour counts of research-use data; see the model card",
        "input_size": None,
        "normalisation": "RGB uint8, 8 levels a bin (32 bins a channel); no scaling",
        "model": "skin colour histograms, RGB 32x32x32 bins, P(skin|colour) >= threshold",
        "threshold": table.threshold,
        "smoothing_bins": smoothing,
        "images": images,
        "skin_pixels": int(table.skin.sum()),
        "other_pixels": int(table.other.sum()),
        "data": str(data),
        "data_sources": DATA_SOURCES,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
