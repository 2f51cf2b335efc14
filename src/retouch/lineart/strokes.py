"""Edge maps to strokes: thinning, hysteresis, short-piece removal, controlled width,
and the suppression of dense ink (shadow hatching).

All maps are H x W: probabilities and ink float32 in [0, 1] (1 = black), masks bool.
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.core.masks import touching

__all__ = ["dense_ink", "drop_small", "hysteresis", "nms", "strokes"]


def nms(p: np.ndarray) -> np.ndarray:
    """Thin the ridges of ``p`` (H x W float32) to one pixel: True where ``p`` is at least
    its two neighbours across the ridge. The across direction is the Hessian's most
    negative curvature (a ridge's own gradient is zero on its crest), in four bins."""
    smooth = cv2.GaussianBlur(p, (0, 0), 1.0)
    pxx = cv2.Sobel(smooth, cv2.CV_32F, 2, 0, ksize=3)
    pyy = cv2.Sobel(smooth, cv2.CV_32F, 0, 2, ksize=3)
    pxy = cv2.Sobel(smooth, cv2.CV_32F, 1, 1, ksize=3)
    across = 0.5 * np.arctan2(2.0 * pxy, pxx - pyy) + np.pi / 2  # min-eigenvalue direction
    angle = np.rad2deg(across) % 180.0
    bins = ((angle + 22.5) // 45).astype(np.int8) % 4  # 0: x, 1: diag, 2: y, 3: anti
    pad = np.pad(smooth, 1, mode="edge")
    h, w = p.shape
    keep = np.zeros((h, w), bool)
    for b, (dy, dx) in enumerate(((0, 1), (1, 1), (1, 0), (1, -1))):
        a = pad[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
        c = pad[1 - dy : 1 - dy + h, 1 - dx : 1 - dx + w]
        crest = (smooth >= a) & (smooth >= c) & ((smooth > a) | (smooth > c))  # not flat
        keep |= (bins == b) & crest
    return keep


def hysteresis(candidates: np.ndarray, strong: np.ndarray) -> np.ndarray:
    """The 8-connected pieces of ``candidates`` (bool H x W) that touch ``strong`` (bool)."""
    return touching(candidates, strong)


def drop_small(mask: np.ndarray, min_pixels: int) -> np.ndarray:
    """``mask`` (bool H x W) without its 8-connected pieces of fewer than ``min_pixels``."""
    if min_pixels <= 1:
        return mask
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    big = stats[:, cv2.CC_STAT_AREA] >= min_pixels
    big[0] = False
    return big[labels]


def strokes(
    p: np.ndarray, *, low: float = 0.3, high: float = 0.6, min_length: int = 12
) -> np.ndarray:
    """One-pixel strokes along the ridges of edge probability ``p`` (H x W float32 [0, 1]):
    ridge pixels above ``low`` connected to one above ``high``, pieces shorter than
    ``min_length`` pixels dropped. Returns bool H x W."""
    ridge = nms(p) & (p >= low)
    return drop_small(hysteresis(ridge, p >= high), min_length)


def dense_ink(ink: np.ndarray, *, window: int, share: float = 0.35) -> np.ndarray:
    """Where ``ink`` (H x W float32 [0, 1]) covers more than ``share`` of a ``window`` px
    square: shadows and hair drawn as hatching or filled blobs. Returns bool H x W."""
    window = max(3, window | 1)
    return cv2.blur(ink, (window, window)) > share
