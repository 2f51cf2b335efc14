"""Tattoo ink on skin without a network: a local skin colour model and what departs from it.

Each function is pure and works on arrays at one (working) resolution:

- ``skin_model``: the colour skin would have at every pixel, a robust local mean of the
  skin pixels in CIELAB (a normalised convolution, re-run without the pixels that
  depart from it, so light ink inside the skin mask does not pull it);
- ``ink_score``: how far each pixel departs from that model, as darkness (black and
  grey ink), hue (green-blue old ink, red, colour fills) and thin dark lines
  (black-hat morphology), in units of each threshold (>= 1: ink);
- ``skin_extent``: where ink can be: the skin mask, closed and with its holes filled
  (the segmenter leaves tattoos out of skin), plus a thin margin;
- ``clean_ink``: hysteresis, small specks out, close, grow.

>>> import numpy as np
>>> img = np.full((48, 48, 3), (200, 150, 130), np.uint8); img[20:23, 6:42] = (40, 40, 50)
>>> lab = to_lab(img); skin = np.ones((48, 48), bool)
>>> mean = skin_model(lab, skin, sigma=8.0)
>>> bool(ink_score(lab, mean, line_px=7)[21, 24] >= 1), bool(ink_score(lab, mean)[5, 5] >= 1)
(True, False)
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.core.arrays import as_float
from retouch.core.masks import touching

__all__ = ["clean_ink", "ink_score", "local_mean", "skin_extent", "skin_model", "to_lab"]

_EPS = 1e-4


def to_lab(image: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 RGB -> H x W x 3 float32 CIELAB (L 0..100, a and b about -100..100)."""
    return cv2.cvtColor(as_float(image), cv2.COLOR_RGB2Lab)


def from_lab(lab: np.ndarray) -> np.ndarray:
    """H x W x 3 float32 CIELAB -> H x W x 3 float32 RGB, clipped to [0, 1]."""
    return np.clip(cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2RGB), 0.0, 1.0)


def local_mean(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """The weighted Gaussian mean of ``values`` around each pixel (normalised convolution).

    values: H x W or H x W x C float32; weight: H x W float32 >= 0 (0 = not counted).
    Where no weighted pixel is near, the global weighted mean stands in. Returns the
    shape of ``values``, float32.
    """
    w = weight.astype(np.float32)
    v = values.astype(np.float32)
    vw = v * (w[..., None] if v.ndim == 3 else w)
    num = cv2.GaussianBlur(vw, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    den = cv2.GaussianBlur(w, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    total = float(w.sum())
    fallback = vw.reshape(-1, *v.shape[2:]).sum(0) / total if total > 0 else v.mean((0, 1))
    den_c = den[..., None] if v.ndim == 3 else den
    far = den_c < 1e-3
    return np.where(far, fallback, num / np.maximum(den_c, _EPS)).astype(np.float32)


def skin_model(
    lab: np.ndarray, skin: np.ndarray, *, sigma: float, rounds: int = 2, cut: float = 0.18
) -> np.ndarray:
    """The skin colour expected at every pixel: H x W x 3 float32 CIELAB.

    lab: H x W x 3 float32 (``to_lab``); skin: H x W bool, the skin pixels that teach
    the model. sigma: the scale of the model in pixels (lighting changes slower than
    this). Each further round drops the skin pixels darker than the model by more than
    ``cut`` (a fraction of its lightness) or far off its hue, so ink inside the skin
    mask does not darken the model. Computed on a copy shrunk to sigma = 4 px (the
    model is smooth) and scaled back.
    """
    h, w = skin.shape
    f = min(1.0, 4.0 / max(sigma, 1e-3))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    lab_s = cv2.resize(lab, size, interpolation=cv2.INTER_AREA)
    weight = skin.astype(np.float32)
    for i in range(rounds + 1):
        weight_s = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
        mean_s = local_mean(lab_s, weight_s, sigma * f)
        mean = cv2.resize(mean_s, (w, h), interpolation=cv2.INTER_LINEAR)
        if i == rounds:
            return mean
        darker = (mean[..., 0] - lab[..., 0]) > cut * np.maximum(mean[..., 0], 1.0)
        off_hue = np.linalg.norm(lab[..., 1:] - mean[..., 1:], axis=2) > 20.0
        weight = (skin & ~darker & ~off_hue).astype(np.float32)
    return mean


def hue_departure(lab: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """How far each pixel's a*b* is from the skin model's, in a*b* units: H x W float32.

    A departure along the model's own hue that adds saturation (a shadow or a flush on
    skin) counts a third; one across the hue or towards grey (green-blue, red-purple or
    faded ink) counts in full.
    """
    ab, ref = lab[..., 1:], mean[..., 1:]
    norm = np.maximum(np.linalg.norm(ref, axis=2, keepdims=True), 1.0)
    unit = ref / norm
    diff = ab - ref
    radial = np.sum(diff * unit, axis=2)
    across = diff[..., 0] * unit[..., 1] - diff[..., 1] * unit[..., 0]
    along = np.where(radial > 0, radial / 3.0, radial)
    return np.sqrt(across**2 + along**2).astype(np.float32)


def ink_score(
    lab: np.ndarray,
    mean: np.ndarray,
    *,
    dark: float = 0.22,
    chroma: float = 14.0,
    line: float = 0.12,
    line_px: int = 0,
) -> np.ndarray:
    """How much each pixel looks like ink: H x W float32, >= 1 where it does.

    lab, mean: H x W x 3 float32 CIELAB, the pixel and the skin model (``skin_model``).
    dark: a pixel darker than the model by this fraction of its lightness scores 1.
    chroma: a hue departure (``hue_departure``) of this many a*b* units scores 1.
    line: a thin dark line whose black-hat response (closing minus the pixel) is this
    fraction of the model's lightness scores 1; ``line_px`` is the black-hat's width
    (0: off).
    """
    light = np.maximum(mean[..., 0], 1.0)
    darkness = (light - lab[..., 0]) / light / dark
    score = np.maximum(darkness, hue_departure(lab, mean) / chroma)
    if line_px >= 3:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (line_px, line_px))
        hat = cv2.morphologyEx(lab[..., 0], cv2.MORPH_BLACKHAT, kernel)
        score = np.maximum(score, hat / light / line)
    return score.astype(np.float32)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """H x W bool with every region the mask encloses (not reaching the border) added."""
    padded = np.pad(mask, 1).astype(np.uint8)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 1)
    return (mask | (flood[1:-1, 1:-1] == 0)).astype(bool)


def _disk(diameter: int) -> np.ndarray:
    d = max(1, int(diameter)) | 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (d, d))


def _skin_within(skin: np.ndarray, reach_px: int, axis: int, flip: bool) -> np.ndarray:
    """H x W bool: skin lies within ``reach_px`` along one axis on one side of the pixel."""
    s = np.flip(skin, axis) if flip else skin
    n = s.shape[axis]
    index = np.arange(n).reshape((1, n) if axis == 1 else (n, 1))
    last = np.maximum.accumulate(np.where(s, index, -(10**9)), axis=axis)
    near = (index - last) <= reach_px
    return np.flip(near, axis) if flip else near


def between_skin(skin: np.ndarray, *, reach_px: int) -> np.ndarray:
    """H x W bool: pixels with skin within ``reach_px`` both left and right of them, or both
    above and below (a tattoo across an arm, open at the arm's ends)."""
    left, right = (_skin_within(skin, reach_px, 1, f) for f in (False, True))
    up, down = (_skin_within(skin, reach_px, 0, f) for f in (False, True))
    return (left & right) | (up & down)


def skin_extent(skin: np.ndarray, *, close_px: int, reach_px: int) -> np.ndarray:
    """Where ink may be: H x W bool.

    skin: H x W bool (a segmenter's mask, which leaves dark ink out). The mask closed
    with a disk of ``close_px`` (bridges the skin between the lines of a design), its
    enclosed holes filled (a tattoo the skin surrounds), and the pixels with skin on
    two opposite sides within ``reach_px`` (``between_skin``: a tattoo that reaches the
    skin's edge somewhere).
    """
    closed = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_CLOSE, _disk(close_px)) > 0
    extent = fill_holes(closed | skin)
    if reach_px > 0:
        extent |= between_skin(skin, reach_px=reach_px)
    return extent


def hysteresis(score: np.ndarray, *, high: float = 1.0, low: float = 0.7) -> np.ndarray:
    """H x W bool: the pixels scoring >= ``low`` connected to one scoring >= ``high``."""
    return touching(score >= low, score >= high)


def clean_ink(ink: np.ndarray, *, min_area: int, close_px: int, grow_px: int) -> np.ndarray:
    """The ink mask tidied: H x W bool.

    Components under ``min_area`` pixels dropped (pores, moles, noise); the rest closed
    with a disk of ``close_px`` (joins the strokes of one design, fills its specks of
    bare skin) and grown by ``grow_px`` (covers the ink's bleed and the halo a fill
    would otherwise leave).
    """
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), 8)
    keep = stats[:, cv2.CC_STAT_AREA] >= max(1, min_area)
    keep[0] = False
    mask = keep[labels].astype(np.uint8)
    if close_px >= 3:
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _disk(close_px))
    if grow_px > 0:  # a distance transform: a large disk costs what a small one does
        distance = cv2.distanceTransform(
            np.where(mask > 0, 0, 255).astype(np.uint8), cv2.DIST_L2, 3
        )
        return distance <= grow_px
    return mask > 0
