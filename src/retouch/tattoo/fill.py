"""Filling a tattoo's mask so it looks like the skin around it.

``nearby_skin`` says where fill material may come from (skin outside the mask, near
it); the erase engine (``retouch.inpaint.erase``, PatchMatch by default) fills the mask
from there only, through its ``source`` option; ``harmonise`` then moves the fill's
low frequencies (colour and lighting) to those of the surrounding skin, keeping its
texture. Only the mask's pixels ever change.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from retouch.core.arrays import as_float, as_uint8
from retouch.core.errors import InputError
from retouch.core.masks import resize_mask
from retouch.tattoo.ink import from_lab, local_mean

__all__ = ["fill_from_bare_skin", "fill_tattoo", "harmonise", "nearby_skin"]

log = logging.getLogger(__name__)


def nearby_skin(skin: np.ndarray, mask: np.ndarray, *, reach_px: int) -> np.ndarray:
    """H x W bool: skin pixels outside ``mask`` and within ``reach_px`` of it.

    skin, mask: H x W bool. Where that leaves fewer pixels than the mask has, the
    whole skin outside the mask is allowed (a small arm in a large tattoo).
    """
    distance = cv2.distanceTransform(np.where(mask, 0, 255).astype(np.uint8), cv2.DIST_L2, 3)
    allowed = skin & ~mask & (distance <= max(1, reach_px))
    if np.count_nonzero(allowed) < np.count_nonzero(mask):
        allowed = skin & ~mask
    return allowed


def harmonise(
    filled: np.ndarray,
    mask: np.ndarray,
    reference: np.ndarray,
    *,
    sigma: float,
    strength: float = 1.0,
) -> np.ndarray:
    """The fill's colour and lighting moved to the surrounding skin's, texture kept.

    filled: H x W x 3 uint8 RGB (the image with the mask filled); mask: H x W bool, the
    filled pixels; reference: H x W bool, the skin whose colour the fill should have.
    sigma: the scale (px) of what counts as colour and lighting rather than texture.
    In CIELAB, each mask pixel gets ``strength`` x (the reference's local mean minus
    the fill's local mean) added. Returns H x W x 3 uint8; pixels outside ``mask`` are
    those of ``filled``.
    """
    if not mask.any() or not reference.any() or strength <= 0:
        return filled.copy()
    y0, x0, y1, x1 = _box(mask, margin=int(3 * sigma))
    crop, hole, ref = filled[y0:y1, x0:x1], mask[y0:y1, x0:x1], reference[y0:y1, x0:x1]
    lab = cv2.cvtColor(as_float(crop), cv2.COLOR_RGB2Lab)
    small = max(1.0, sigma / 4.0)
    f = 1.0 / small
    size = (max(1, round(crop.shape[1] * f)), max(1, round(crop.shape[0] * f)))
    lab_s = cv2.resize(lab, size, interpolation=cv2.INTER_AREA)
    hole_s = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    ref_s = cv2.resize(ref.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    shift = local_mean(lab_s, ref_s, sigma * f) - local_mean(lab_s, hole_s, sigma * f)
    shift = cv2.resize(shift, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)
    moved = as_uint8(from_lab(lab + strength * shift))
    out = filled.copy()
    region = out[y0:y1, x0:x1]
    region[hole] = moved[hole]
    return out


def _box(mask: np.ndarray, *, margin: int) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return (
        max(0, ys.min() - margin),
        max(0, xs.min() - margin),
        min(h, ys.max() + 1 + margin),
        min(w, xs.max() + 1 + margin),
    )


def fill_tattoo(
    image: np.ndarray,
    mask: np.ndarray,
    skin: np.ndarray,
    *,
    fill: str = "patchmatch",
    reach_px: int = 64,
    seed: int = 0,
    harmonise_sigma: float = 12.0,
) -> np.ndarray:
    """``image`` with ``mask`` filled from the skin near it, then harmonised.

    image: H x W x 3 uint8 RGB; mask: H x W bool (what to fill); skin: H x W bool (the
    skin mask at the image's size). fill: the inpaint method (``retouch methods
    inpaint``); one with a ``source`` option (patchmatch) copies only from skin within
    ``reach_px`` of the mask, a diffusion (telea, ns) has no source to restrict. Returns a new
    H x W x 3 uint8 array; pixels outside ``mask`` are bit-identical to ``image``.
    """
    from retouch.core.registry import get
    from retouch.inpaint import erase  # numba loads only when filling

    if not mask.any():
        return image.copy()
    source = nearby_skin(skin, mask, reach_px=reach_px)
    hole = np.where(mask, 255, 0).astype(np.uint8)
    restricts = "source" in get("inpaint", fill).options  # diffusion (telea, ns) cannot
    allowed = np.where(source, 255, 0).astype(np.uint8) if restricts and source.any() else None
    # PatchMatch with 4 EM iterations at the coarsest level (6 by default): a tattoo's
    # hole is thin or skin-textured, and this keeps a 1 MP photo near the time bar.
    options = {"seed": seed, "em_coarse": 4} if fill == "patchmatch" else {}
    try:
        filled = erase(image, hole, method=fill, source=allowed, **options)
    except InputError:
        if allowed is None:
            raise
        # Too little bare skin near a large mask for one patch: copy from the whole photo
        # outside the mask instead of refusing the user's mask.
        log.info("tattoo fill: the skin near the mask is too small a source; using the photo")
        filled = erase(image, hole, method=fill, **options)
    reference = source if source.any() else ~mask
    out = harmonise(filled, mask, reference, sigma=harmonise_sigma)
    out[~mask] = image[~mask]
    return out


def fill_from_bare_skin(
    image: np.ndarray, mask: np.ndarray, bare: np.ndarray, *, fill: str, seed: int
) -> np.ndarray:
    """``fill_tattoo`` as every tattoo method runs it: ``bare`` (H' x W' bool, skin without
    ink, at the working size or the image's) scaled to ``image``, the source reach 12 % and
    the harmonisation's sigma 2 % of the photo's long side (at least 16 px and 4 px)."""
    side = max(image.shape[:2])
    skin = resize_mask(np.where(bare, 255, 0).astype(np.uint8), image.shape[:2]) > 0
    return fill_tattoo(
        image,
        mask,
        skin,
        fill=fill,
        reach_px=max(16, round(0.12 * side)),
        seed=seed,
        harmonise_sigma=max(4.0, 0.02 * side),
    )
