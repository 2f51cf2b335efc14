"""The plumbing every inpainting method shares: checks, dilation, cropping, paste-back.

A method only fills one crop (``fn(crop, crop_mask, **options) -> crop``). Here
each connected hole gets a crop with context around it (overlapping crops are
merged), so a small hole in a 24 MP photo costs what the hole costs, not what
the photo costs. Only masked pixels are pasted back: everything outside the
(dilated) mask is bit-identical to the input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from retouch.core.arrays import check_image, check_mask
from retouch.core.errors import InputError
from retouch.core.masks import Box, dilate, hole_boxes, merge_boxes
from retouch.core.registry import create, get

__all__ = ["erase"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def erase(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    method: str | None = None,
    dilate_px: int = 0,
    source: np.ndarray | None = None,
    seed: int = 0,
    context: float = 1.0,
    min_context: int = 48,
    progress: Progress | None = None,
    **options,
) -> np.ndarray:
    """Fill the masked pixels of ``image`` as if what was there had never been.

    image: H x W x 3 uint8 RGB. mask: H x W uint8, 255 = fill (bool accepted).
    method: a registered inpaint method (``retouch methods``), default ``patchmatch``.
    dilate_px: grow the mask by this many pixels first (covers halos and shadows).
    source: optional H x W mask, 255 where fill material may be taken from.
    context: margin around each hole, as a fraction of its longest side.
    Returns a new H x W x 3 uint8 image; pixels outside the dilated mask are unchanged.

    >>> img = np.zeros((32, 32, 3), np.uint8); m = np.zeros((32, 32), np.uint8)
    >>> m[10:14, 10:14] = 255
    >>> erase(img, m, method="telea").shape
    (32, 32, 3)
    """
    image = check_image(image)
    mask = dilate(check_mask(mask, image.shape[:2]), dilate_px)
    if source is not None:
        source = check_mask(source, image.shape[:2], name="source")
    if not mask.any():
        log.warning("the mask is empty: nothing to erase, the image is returned unchanged")
        return image.copy()
    available = (mask == 0) if source is None else (mask == 0) & (source > 0)
    if available.sum() < max(64, 0.01 * mask.size):
        raise InputError(
            "the mask covers (nearly) the whole image or the whole source region: "
            "there is nothing left to fill it from; paint only what should go"
        )
    fill = _bind(method, seed, options)
    boxes = hole_boxes(mask, context=context, min_margin=min_context)
    if source is not None:
        boxes = _grow_for_source(boxes, mask, source)
    out = image.copy()
    for i, (y0, x0, y1, x1) in enumerate(boxes):
        crop_mask = mask[y0:y1, x0:x1]
        kwargs = {} if source is None else {"source": source[y0:y1, x0:x1]}
        filled = fill(image[y0:y1, x0:x1], crop_mask, **kwargs)
        region = out[y0:y1, x0:x1]
        region[crop_mask > 0] = filled[crop_mask > 0]
        if progress is not None:
            progress(i + 1, len(boxes))
    return out


def _bind(method: str | None, seed: int, options: dict) -> Callable[..., np.ndarray]:
    info = get("inpaint", method)
    if "seed" in info.options:
        options = {"seed": seed, **options}
    return create("inpaint", info.name, **options)


def _grow_for_source(boxes: list[Box], mask: np.ndarray, source: np.ndarray) -> list[Box]:
    """Grow each box until it holds at least as many source pixels as hole pixels."""
    h, w = mask.shape
    usable = (source > 0) & (mask == 0)
    grown = []
    for y0, x0, y1, x1 in boxes:
        need = np.count_nonzero(mask[y0:y1, x0:x1])
        while np.count_nonzero(usable[y0:y1, x0:x1]) < need and (y1 - y0, x1 - x0) != (h, w):
            m = max(y1 - y0, x1 - x0) // 2
            y0, x0, y1, x1 = max(0, y0 - m), max(0, x0 - m), min(h, y1 + m), min(w, x1 + m)
        grown.append((y0, x0, y1, x1))
    return merge_boxes(grown)
