"""Free-form hole masks for training inpainting networks, deterministic per seed.

Four kinds of hole, mixed by default:

- ``strokes``: thick random-walk brush strokes, as a user paints over something
  (the free-form masks of Yu et al. 2019, drawn our own way);
- ``blobs``: smooth irregular shapes (random polygons, blurred and thresholded);
- ``boxes``: filled rectangles, as a selection tool makes them;
- ``objects``: silhouettes passed in ``shapes`` (say person masks our segmenter
  computed on training photos), scaled, flipped and placed at random.

Each mask is grown piece by piece until its hole ratio reaches a target drawn
from ``ratio``; the last piece may overshoot it, so the ratio is a target, not
a bound. The NVIDIA irregular masks in ``../shared/data/inpaint/masks`` are for
evaluation only: nothing here reads them.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

__all__ = ["KINDS", "hole_mask", "hole_masks"]

KINDS = ("strokes", "blobs", "boxes", "objects")
_WEIGHTS = {"strokes": 0.45, "blobs": 0.3, "boxes": 0.1, "objects": 0.15}
_MAX_PIECES = 60


def hole_mask(
    rng: np.random.Generator | int,
    height: int,
    width: int,
    *,
    ratio: tuple[float, float] = (0.05, 0.5),
    kinds: Sequence[str] = KINDS,
    shapes: Sequence[np.ndarray] = (),
) -> np.ndarray:
    """One hole mask: ``height x width`` uint8, 255 = hole, 0 = keep.

    Parameters
    ----------
    rng : a ``np.random.Generator``, or an int seed (the same seed gives the same mask).
    height, width : the mask's size in pixels (at least 8 each).
    ratio : (low, high) range of the target hole fraction, 0 < low <= high < 1.
    kinds : which of ``KINDS`` to draw pieces from; ``objects`` is skipped when
        ``shapes`` is empty.
    shapes : silhouettes (any size, non-zero = object) for the ``objects`` kind.

    >>> m = hole_mask(7, 64, 64, ratio=(0.2, 0.2))
    >>> m.dtype, m.shape, bool(0.2 <= (m > 0).mean() < 0.6)
    (dtype('uint8'), (64, 64), True)
    >>> bool((hole_mask(7, 64, 64) == hole_mask(7, 64, 64)).all())
    True
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    choices = _check(height, width, ratio, kinds, shapes)
    weights = np.array([_WEIGHTS[k] for k in choices])
    target = rng.uniform(*ratio)
    mask = np.zeros((height, width), np.uint8)
    for _ in range(_MAX_PIECES):
        kind = choices[rng.choice(len(choices), p=weights / weights.sum())]
        _DRAW[kind](rng, mask, target, shapes)
        if (mask > 0).mean() >= target:
            break
    return mask


def hole_masks(seed: int, count: int, height: int, width: int, **options) -> list[np.ndarray]:
    """``count`` masks from one seed (mask i is the same whatever ``count`` is).

    >>> a = hole_masks(3, 2, 32, 32); b = hole_masks(3, 1, 32, 32)
    >>> bool((a[0] == b[0]).all())
    True
    """
    return [
        hole_mask(np.random.default_rng([seed, i]), height, width, **options) for i in range(count)
    ]


def _check(height, width, ratio, kinds, shapes) -> list[str]:
    if int(height) < 8 or int(width) < 8:
        raise ValueError(f"hole masks need height and width >= 8, got {height} x {width}")
    low, high = ratio
    if not (0 < low <= high < 1):
        raise ValueError(f"ratio must be (low, high) with 0 < low <= high < 1, got {ratio!r}")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {list(kinds)!r}")
    choices = [k for k in kinds if k != "objects" or len(shapes)]
    if not choices:
        raise ValueError("kinds=('objects',) needs at least one silhouette in shapes")
    return choices


def _strokes(rng, mask, target, shapes) -> None:
    """A random walk of thick line segments with round joints."""
    h, w = mask.shape
    side = min(h, w)
    width_px = max(2, int(rng.uniform(0.02, 0.09) * side))
    y, x = rng.uniform(0, h), rng.uniform(0, w)
    angle = rng.uniform(0, 2 * np.pi)
    for _ in range(int(rng.integers(3, 12))):
        angle += rng.normal(0, 0.9)
        step = rng.uniform(0.05, 0.25) * side
        ny = float(np.clip(y + step * np.sin(angle), 0, h - 1))
        nx = float(np.clip(x + step * np.cos(angle), 0, w - 1))
        cv2.line(mask, (int(x), int(y)), (int(nx), int(ny)), 255, width_px, cv2.LINE_8)
        cv2.circle(mask, (int(nx), int(ny)), width_px // 2, 255, -1)
        y, x = ny, nx


def _blobs(rng, mask, target, shapes) -> None:
    """A random star-shaped polygon, blurred and thresholded into a smooth blob."""
    h, w = mask.shape
    side = min(h, w)
    radius = rng.uniform(0.05, 0.25) * side
    cy, cx = rng.uniform(0, h), rng.uniform(0, w)
    count = int(rng.integers(5, 12))
    angles = np.sort(rng.uniform(0, 2 * np.pi, count))
    radii = radius * rng.uniform(0.4, 1.2, count)
    points = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1)
    piece = np.zeros_like(mask)
    cv2.fillPoly(piece, [points.astype(np.int32)], 255)
    sigma = max(1.0, radius / 4)
    piece = cv2.GaussianBlur(piece, (0, 0), sigma)
    mask[piece >= 128] = 255


def _boxes(rng, mask, target, shapes) -> None:
    h, w = mask.shape
    bh = int(rng.uniform(0.08, 0.4) * h)
    bw = int(rng.uniform(0.08, 0.4) * w)
    y0 = int(rng.integers(0, max(1, h - bh)))
    x0 = int(rng.integers(0, max(1, w - bw)))
    mask[y0 : y0 + bh, x0 : x0 + bw] = 255


def _objects(rng, mask, target, shapes) -> None:
    """One silhouette from ``shapes``, scaled to a random size, maybe flipped, placed anywhere."""
    h, w = mask.shape
    shape = np.asarray(shapes[int(rng.integers(len(shapes)))]) > 0
    ys, xs = np.nonzero(shape)
    if ys.size == 0:
        return
    shape = shape[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.uint8) * 255
    if rng.random() < 0.5:
        shape = shape[:, ::-1]
    scale = rng.uniform(0.2, 0.7) * min(h, w) / max(shape.shape)
    sh = max(2, int(shape.shape[0] * scale))
    sw = max(2, int(shape.shape[1] * scale))
    shape = cv2.resize(np.ascontiguousarray(shape), (sw, sh), interpolation=cv2.INTER_LINEAR) >= 128
    y0 = int(rng.integers(-sh // 4, max(1, h - 3 * sh // 4)))
    x0 = int(rng.integers(-sw // 4, max(1, w - 3 * sw // 4)))
    ty0, tx0 = max(0, y0), max(0, x0)
    ty1, tx1 = min(h, y0 + sh), min(w, x0 + sw)
    if ty1 > ty0 and tx1 > tx0:
        region = shape[ty0 - y0 : ty1 - y0, tx0 - x0 : tx1 - x0]
        mask[ty0:ty1, tx0:tx1][region] = 255


_DRAW = {"strokes": _strokes, "blobs": _blobs, "boxes": _boxes, "objects": _objects}
