"""Mask post-processing shared by every segmenter: edge-aware upsampling, clean-up, overlays.

Soft maps are ``H x W`` float32 in [0, 1]; masks are ``H x W`` uint8 0/255; images
``H x W x 3`` uint8 RGB.
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.core.arrays import as_float

__all__ = [
    "binarize",
    "fill_holes",
    "guided_upsample",
    "overlay",
    "remove_specks",
    "to_confidence",
]


def guided_upsample(
    soft: np.ndarray, image: np.ndarray, *, radius: int = 2, eps: float = 1e-3
) -> np.ndarray:
    """Upsample a low-resolution soft map to ``image``'s size along the image's edges.

    The fast guided filter (He & Sun 2015): the local linear model ``q = a * I + b`` is
    fitted at the soft map's resolution against the downsampled grey image, and ``a``
    and ``b`` are upsampled bilinearly, so mask edges snap to the photo's edges at
    the cost of two resizes. soft: h x w float32 [0, 1]; image: H x W x 3 uint8.
    Returns H x W float32 in [0, 1].

    >>> img = np.zeros((40, 40, 3), np.uint8); img[:, 20:] = 255
    >>> guided_upsample(np.tile(np.r_[0., 0, 1, 1], (4, 1)), img).shape
    (40, 40)
    """
    h, w = image.shape[:2]
    grey = as_float(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    lh, lw = soft.shape
    small = cv2.resize(grey, (lw, lh), interpolation=cv2.INTER_AREA)
    p = soft.astype(np.float32)
    k = (2 * radius + 1, 2 * radius + 1)
    mean_i = cv2.boxFilter(small, -1, k)
    mean_p = cv2.boxFilter(p, -1, k)
    cov_ip = cv2.boxFilter(small * p, -1, k) - mean_i * mean_p
    var_i = cv2.boxFilter(small * small, -1, k) - mean_i * mean_i
    a = cov_ip / (var_i + np.float32(eps))
    b = mean_p - a * mean_i
    a = cv2.resize(cv2.boxFilter(a, -1, k), (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(cv2.boxFilter(b, -1, k), (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(a * grey + b, 0.0, 1.0)


def binarize(soft: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Soft map in [0, 1] -> 0/255 uint8 mask (``soft >= threshold``)."""
    return np.where(soft >= threshold, 255, 0).astype(np.uint8)


def to_confidence(soft: np.ndarray) -> np.ndarray:
    """Soft map in [0, 1] -> 8-bit confidence (uint8 0..255)."""
    return np.clip(np.rint(soft * 255.0), 0, 255).astype(np.uint8)


def remove_specks(mask: np.ndarray, min_area: int) -> np.ndarray:
    """Drop connected regions of a 0/255 mask smaller than ``min_area`` pixels."""
    if min_area <= 1 or not mask.any():
        return mask
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def fill_holes(mask: np.ndarray, max_area: int) -> np.ndarray:
    """Fill holes (background regions not touching the border) up to ``max_area`` pixels."""
    if max_area <= 0 or not mask.any():
        return mask
    inverse = np.where(mask > 0, 0, 255).astype(np.uint8)
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(inverse, connectivity=4)
    h, w = mask.shape
    x0, y0 = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    x1 = x0 + stats[:, cv2.CC_STAT_WIDTH]
    y1 = y0 + stats[:, cv2.CC_STAT_HEIGHT]
    inner = (x0 > 0) & (y0 > 0) & (x1 < w) & (y1 < h)
    fill = inner & (stats[:, cv2.CC_STAT_AREA] <= max_area)
    fill[0] = False
    out = mask.copy()
    out[fill[labels] & (inverse > 0)] = 255
    return out


def overlay(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    colour: tuple[int, int, int] = (255, 40, 80),
    alpha: float = 0.45,
) -> np.ndarray:
    """A visual check: ``mask`` tinted over ``image`` with its outline drawn.

    image: H x W x 3 uint8 RGB; mask: H x W uint8 (0/255 or a confidence). Returns RGB uint8.
    """
    weight = (mask.astype(np.float32) / 255.0)[..., None] * alpha
    tint = np.asarray(colour, np.float32)
    out = image.astype(np.float32) * (1.0 - weight) + tint * weight
    out = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    edges = np.where(mask >= 128, 255, 0).astype(np.uint8)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    thickness = max(1, round(max(image.shape[:2]) / 500))
    cv2.drawContours(out, contours, -1, colour, thickness, cv2.LINE_AA)
    return out
