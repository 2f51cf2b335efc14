"""The skin / non-skin colour histogram model (Jones & Rehg 1999) and its committed table.

The table holds two 32 x 32 x 32 RGB histograms (pixel counts of skin and of
non-skin pixels in ``../shared/data/skin/train``) and the decision threshold
chosen on a held-out fifth of that set. ``retouch train skin-color`` rebuilds it;
``skin_color_rgb32.md`` is its model card and ``skin_color_rgb32.json`` its record.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.registry import register
from retouch.segment.models import MissingModelError

__all__ = ["BINS", "ColorTable", "bayes", "bin_index", "load_table", "table_path"]

BINS = 32
_SHIFT = 3  # 256 / 32 levels per bin
TABLE_NAME = "skin_color_rgb32.npz"


@dataclass(frozen=True)
class ColorTable:
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
    """The committed table, or ``$RETOUCH_SKIN_TABLE`` when set."""
    return Path(os.environ.get("RETOUCH_SKIN_TABLE") or Path(__file__).with_name(TABLE_NAME))


@cache
def load_table(path: str | None = None) -> ColorTable:
    """Load the colour table (cached). Raises MissingModelError naming the command to build it."""
    path = Path(path) if path else table_path()
    if not path.is_file():
        raise MissingModelError(
            f"{path}: the skin colour table is missing; build it with "
            "`retouch train skin-color --data ../shared/data/skin/train`"
        )
    _check_record(path)
    with np.load(path) as data:
        return ColorTable(data["skin"], data["other"], float(data["threshold"]))


def _check_record(path: Path) -> None:
    """Compare the table with the sha256 of its record (``.json`` beside it), if any."""
    import hashlib

    record = path.with_suffix(".json")
    if not record.is_file():
        return
    expected = json.loads(record.read_text()).get("sha256")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if expected and digest != expected:
        raise MissingModelError(
            f"{path}: sha256 {digest[:12]}... does not match its record {record.name} "
            f"({expected[:12]}...); rebuild both with `retouch train skin-color`"
        )


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
    "(Jones & Rehg); `retouch train skin-color` rebuilds it",
)
def bayes(
    image: np.ndarray, *, threshold: float | None = None, smoothing: float = 1.0
) -> np.ndarray:
    """H x W uint8 0/255: pixels whose colour is skin with P >= ``threshold``.

    ``threshold`` defaults to the one chosen on held-out training images (see the
    model card). image: H x W x 3 uint8 RGB.
    """
    cut = load_table().threshold if threshold is None else threshold
    return np.where(skin_probability(image, smoothing=smoothing) >= cut, 255, 0).astype(np.uint8)


def write_table(path: Path, table: ColorTable, record: dict) -> None:
    """Write the table (.npz) and its record (.json with the file's sha256)."""
    import hashlib

    np.savez_compressed(
        path,
        skin=table.skin.astype(np.uint32),
        other=table.other.astype(np.uint32),
        threshold=np.float32(table.threshold),
    )
    record = {**record, "file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
