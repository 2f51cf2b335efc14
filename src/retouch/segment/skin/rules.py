"""Fixed colour rules for skin: HSV and YCrCb boxes, and Kovac et al.'s RGB rule.

Each rule is a pure function ``image -> mask`` (H x W x 3 uint8 RGB in, H x W
uint8 0/255 out) whose ranges are keyword options, so the CLI's ``-O`` and the
web app's skin tuner can move them.
"""

from __future__ import annotations

from typing import Annotated, Literal

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.options import Range
from retouch.core.registry import register

__all__ = ["hsv", "rgb_rule", "ycrcb"]


def _to_mask(keep: np.ndarray) -> np.ndarray:
    return np.where(keep, 255, 0).astype(np.uint8)


@register("skin", "hsv", "fixed HSV box (hue in degrees, saturation and value in [0, 1])")
def hsv(
    image: np.ndarray,
    *,
    h_min: Annotated[float, Range(0, 360)] = 0.0,
    h_max: Annotated[float, Range(0, 360)] = 50.0,
    s_min: Annotated[float, Range(0, 1)] = 0.23,
    s_max: Annotated[float, Range(0, 1)] = 0.68,
    v_min: Annotated[float, Range(0, 1)] = 0.35,
    v_max: Annotated[float, Range(0, 1)] = 1.0,
) -> np.ndarray:
    """Skin where hue, saturation and value fall in the given ranges.

    Defaults: Sobottka & Pitas (1998), H 0-50 degrees, S 0.23-0.68, and V >= 0.35
    so shadows do not count. ``h_min > h_max`` wraps around red (e.g. 340 to 50).

    >>> hsv(np.full((2, 2, 3), (200, 140, 110), np.uint8)).tolist()
    [[255, 255], [255, 255]]
    """
    hsv_img = cv2.cvtColor(check_image(image), cv2.COLOR_RGB2HSV_FULL).astype(np.float32)
    h = hsv_img[..., 0] * (360.0 / 256.0)
    s, v = hsv_img[..., 1] / 255.0, hsv_img[..., 2] / 255.0
    hue = (h >= h_min) & (h <= h_max) if h_min <= h_max else (h >= h_min) | (h <= h_max)
    return _to_mask(hue & (s >= s_min) & (s <= s_max) & (v >= v_min) & (v <= v_max))


@register("skin", "ycrcb", "fixed Cr/Cb box (Chai & Ngan), 8-bit YCrCb ranges")
def ycrcb(
    image: np.ndarray,
    *,
    y_min: Annotated[int, Range(0, 255)] = 0,
    y_max: Annotated[int, Range(0, 255)] = 255,
    cr_min: Annotated[int, Range(0, 255)] = 133,
    cr_max: Annotated[int, Range(0, 255)] = 173,
    cb_min: Annotated[int, Range(0, 255)] = 77,
    cb_max: Annotated[int, Range(0, 255)] = 127,
) -> np.ndarray:
    """Skin where Y, Cr and Cb (OpenCV's 8-bit YCrCb) fall in the given ranges.

    >>> ycrcb(np.full((1, 1, 3), (200, 140, 110), np.uint8)).item()
    255
    """
    ycc = cv2.cvtColor(check_image(image), cv2.COLOR_RGB2YCrCb)
    y, cr, cb = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    return _to_mask(
        (y >= y_min)
        & (y <= y_max)
        & (cr >= cr_min)
        & (cr <= cr_max)
        & (cb >= cb_min)
        & (cb <= cb_max)
    )


@register(
    "skin", "rgb-rule", "Kovac et al. (2003) explicit RGB rule for daylight and flash lighting"
)
def rgb_rule(
    image: np.ndarray, *, lighting: Literal["daylight", "flash", "both"] = "both"
) -> np.ndarray:
    """Kovac, Peer & Solina's rule: ``lighting`` is "daylight", "flash" or "both".

    >>> rgb_rule(np.full((1, 1, 3), (200, 140, 110), np.uint8)).item()
    255
    """
    if lighting not in ("daylight", "flash", "both"):
        raise ValueError(f"lighting must be daylight, flash or both, got {lighting!r}")
    rgb = check_image(image).astype(np.int16)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    day = (r > 95) & (g > 40) & (b > 20) & (spread > 15) & (np.abs(r - g) > 15) & (r > g) & (r > b)
    flash = (r > 220) & (g > 210) & (b > 170) & (np.abs(r - g) <= 15) & (r > b) & (g > b)
    keep = {"daylight": day, "flash": flash, "both": day | flash}[lighting]
    return _to_mask(keep)
