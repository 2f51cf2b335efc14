"""The skin / non-skin colour histogram model (Jones & Rehg 1999) and its committed table.

The table holds two 32 x 32 x 32 RGB histograms (pixel counts of skin and of
non-skin pixels in ``../shared/data/skin/train``) and the decision threshold
chosen on a held-out fifth of that set. ``retouch train skin-colour`` rebuilds it;
``skin_colour_rgb32.md`` is its model card and ``skin_colour_rgb32.json`` its weights
record (``core.weights``: ``$RETOUCH_MODEL_DIR/skin_colour_rgb32.npz`` replaces it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.options import Range
from retouch.core.registry import register
from retouch.core.weights import (
    MissingModelError,
    WeightsRecord,
    file_sha256,
    find_weights,
    install_path,
    record_beside,
    register_weights,
    verify,
    weights_path,
)

__all__ = ["BINS", "ColourTable", "bayes", "bin_index", "load_table", "table_path"]

BINS = 32
_SHIFT = 3  # 256 / 32 levels per bin
TABLE_NAME = "skin_colour_rgb32.npz"
WEIGHTS = register_weights(
    WeightsRecord.from_json(
        Path(__file__).with_name("skin_colour_rgb32.json"),
        package="retouch",
        package_path=f"segment/skin/{TABLE_NAME}",
    )
).name


@dataclass(frozen=True)
class ColourTable:
    """Histograms ``skin`` and ``other`` (BINS**3 counts) and the P(skin) threshold."""

    skin: np.ndarray
    other: np.ndarray
    threshold: float

    def probability(self, smoothing: float = 1.0) -> np.ndarray:
        """P(skin | colour bin), BINS**3 float32, with the training set's class prior.

        Counts are blurred across neighbouring bins (``smoothing``, in bins) so colours
        never seen in training borrow from their neighbours.
        """
        skin = _blur3d(self.skin.astype(np.float32), smoothing)
        other = _blur3d(self.other.astype(np.float32), smoothing)
        return (skin + 1e-3) / (skin + other + 2e-3)


def _blur3d(counts: np.ndarray, sigma: float) -> np.ndarray:
    cube = counts.reshape(BINS, BINS, BINS)
    if sigma <= 0:
        return counts
    k = cv2.getGaussianKernel(2 * int(np.ceil(2 * sigma)) + 1, sigma).astype(np.float32)[:, 0]
    for axis in range(3):
        cube = np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), axis, cube)
    return cube.reshape(-1).astype(np.float32)


def bin_index(image: np.ndarray) -> np.ndarray:
    """H x W int32 histogram bin of each pixel of an H x W x 3 uint8 RGB image."""
    q = (image >> _SHIFT).astype(np.int32)
    return (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]


def table_path() -> Path:
    """Where the table is read from (``core.weights``: ``$RETOUCH_MODEL_DIR`` first, then
    the committed one), or where a new one goes when there is none."""
    return find_weights(WEIGHTS) or install_path(WEIGHTS)


@cache
def load_table(path: str | None = None) -> ColourTable:
    """Load the colour table (cached): ``path``, else the one ``core.weights`` finds.

    The file is checked against its record (the ``.json`` beside it; the registered one
    for the committed table). Raises MissingModelError naming the command to build it.
    """
    if path is None:
        path = weights_path(WEIGHTS)
    else:
        path = Path(path)
        if not path.is_file():
            raise MissingModelError(
                f"{path}: the skin colour table is missing; build it with "
                "`retouch train skin-colour --data ../shared/data/skin/train`"
            )
        record = record_beside(path)
        if record is not None:
            verify(path, record)
    with np.load(path) as data:
        return ColourTable(data["skin"], data["other"], float(data["threshold"]))


@cache
def _lookup(smoothing: float) -> np.ndarray:
    return load_table().probability(smoothing)


def skin_probability(image: np.ndarray, *, smoothing: float = 1.0) -> np.ndarray:
    """H x W float32 P(skin | colour) of each pixel of an H x W x 3 uint8 RGB image."""
    return _lookup(smoothing)[bin_index(check_image(image))]


@register(
    "skin",
    "bayes",
    "skin / non-skin RGB histogram model learned from skin/train "
    "(Jones & Rehg); `retouch train skin-colour` rebuilds it",
    soft=lambda image, smoothing=1.0: skin_probability(image, smoothing=smoothing),
    weights=(WEIGHTS,),
)
def bayes(
    image: np.ndarray,
    *,
    threshold: Annotated[float, Range(0, 1)] | None = None,
    smoothing: Annotated[float, Range(0, 1000)] = 1.0,
) -> np.ndarray:
    """H x W uint8 0/255: pixels whose colour is skin with P >= ``threshold``.

    ``threshold`` defaults to the one chosen on held-out training images (see the
    model card). image: H x W x 3 uint8 RGB.
    """
    cut = load_table().threshold if threshold is None else threshold
    return np.where(skin_probability(image, smoothing=smoothing) >= cut, 255, 0).astype(np.uint8)


def write_table(path: Path, table: ColourTable, record: dict) -> None:
    """Write the table (.npz) and its weights record (.json with the file's sha256)."""
    np.savez_compressed(
        path,
        skin=table.skin.astype(np.uint32),
        other=table.other.astype(np.uint32),
        threshold=np.float32(table.threshold),
    )
    path = Path(path)
    fields = {"name": path.stem, "file": path.name, "sha256": file_sha256(path)}
    meta = WeightsRecord.from_dict({**record, **fields}).to_dict()
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
