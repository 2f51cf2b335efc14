"""Grow a rough mask over the halo its object leaves around it.

A user who paints an object roughly, or a segmenter's 0/255 mask, stops where the
object is half there: its anti-aliased edge, a soft glow, a colour fringe or a
sharpening halo stay outside, and a fill of the mask alone leaves them as a ghost
outline. ``grow_to_halo`` adds the pixels around the mask that the background does
not explain: each pixel within ``max_px`` of the mask is compared, in CIELAB, with a
local estimate of the background taken from a band farther out (mean and standard
deviation per channel of that band in a window around the pixel, outliers of the band
dropped once), and joins when it stands out of that band by more than its own
variation (a Mahalanobis distance with a diagonal covariance, so a change of hue is
judged against the band's variation of hue, not its larger variation of lightness).
Growth runs ring by ring from the mask (8-connected), so it never jumps to a
look-alike that does not touch the mask, and never goes farther than ``max_px``.

Background texture stands out of its own band rarely (its spread is large), so it
adds (almost) nothing; a flat background adds nothing at all. Where the band itself
is not background (a halo wider than ``max_px``, the mask far inside the object),
its spread is large and growth stops early: the rule fails safe.
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.core.arrays import as_float, check_image, check_mask
from retouch.core.errors import InputError
from retouch.core.masks import hole_boxes

__all__ = ["MAX_HALO_PX", "grow_to_halo"]

MAX_HALO_PX = 64  # a halo is a few pixels; more is a different mask, not a rough one


def grow_to_halo(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    max_px: int = 8,
    band_px: int = 6,
    tolerance: float = 2.5,
    min_delta: float = 1.0,
    min_alpha: float = 0.0,
) -> np.ndarray:
    """Grow a 0/255 mask outward over the pixels its background does not explain.

    Parameters
    ----------
    image : H x W x 3 uint8 RGB.
    mask : H x W uint8, 255 = the object (bool accepted).
    max_px : grow at most this many pixels (Euclidean) beyond the mask, 0 to ``MAX_HALO_PX``.
    band_px : width of the background band, which starts just beyond ``max_px``.
    tolerance : a pixel joins when its CIELAB difference to the local background
        mean, channel by channel in units of the band's standard deviation in that
        channel (``min_delta`` added in quadrature), has a length over ``tolerance``.
    min_delta : the noise floor per channel (CIELAB units, > 0), so that faint noise on a
        flat background never joins: there a pixel joins from ``tolerance *
        min_delta`` Delta E on.
    min_alpha : when > 0, a pixel must also hold at least this share of the
        object's colour (projected on the line from the local background to the
        local object colour): fewer background pixels join, but so does less of a
        halo, and a sharpening halo (brighter than both) never does. Off by default.

    Returns
    -------
    H x W uint8 0/255, a superset of ``mask`` and a subset of the mask dilated by
    ``max_px``; a new array. It never covers the whole image: the band it measures
    against is never added, and where there is no band nothing is added.

    >>> img = np.full((48, 48, 3), 200, np.uint8); img[16:32, 16:32] = 20
    >>> img[15, 16:32] = 110  # an anti-aliased row above the square
    >>> m = np.zeros((48, 48), np.uint8); m[16:32, 16:32] = 255
    >>> int((grow_to_halo(img, m) > 0).sum() - (m > 0).sum())
    16
    """
    image = check_image(image)
    mask = check_mask(mask, image.shape[:2])
    ok = isinstance(max_px, int | np.integer) and not isinstance(max_px, bool)
    if not ok or not 0 <= max_px <= MAX_HALO_PX:
        raise InputError(f"max_px must be an integer from 0 to {MAX_HALO_PX}, got {max_px!r}")
    if not (int(band_px) == band_px >= 1 and tolerance >= 0 and min_delta > 0):
        raise InputError(
            "band_px must be an integer >= 1, tolerance a number >= 0 and min_delta one > 0, "
            f"got {band_px!r}, {tolerance!r}, {min_delta!r}"
        )
    out = cv2.threshold(mask, 0, 255, cv2.THRESH_BINARY)[1]  # bool or 0/255 in, 0/255 out
    if max_px == 0 or cv2.countNonZero(out) in (0, out.size):
        return out
    reach = max_px + 3 * (max_px + band_px)  # the zone, its band and the wide window
    for y0, x0, y1, x1 in hole_boxes(out, context=0.0, min_margin=reach):
        crop, crop_mask = image[y0:y1, x0:x1], out[y0:y1, x0:x1]
        grown = _grow_crop(crop, crop_mask, max_px, int(band_px), tolerance, min_delta, min_alpha)
        out[y0:y1, x0:x1] |= grown
    return out


def _grow_crop(
    image: np.ndarray,
    mask: np.ndarray,
    max_px: int,
    band_px: int,
    k: float,
    floor: float,
    min_alpha: float,
) -> np.ndarray:
    """The grown 0/255 mask of one crop (every hole of the crop at once)."""
    outside = cv2.distanceTransform(np.where(mask > 0, 0, 1).astype(np.uint8), cv2.DIST_L2, 5)
    zone = np.nonzero((outside > 0) & (outside <= max_px))
    band = np.nonzero((outside > max_px) & (outside <= max_px + band_px))
    if not (len(band[0]) and len(zone[0])):  # no background left to compare with
        return mask
    radius = max_px + band_px
    grid = _Grid(mask.shape, step=max(1, radius // 4))
    back, spread = _background(_lab(image, band), band, zone, grid, radius, k, floor)
    lab = _lab(image, zone)
    joins = _distance(lab, back, spread, floor) > k
    if min_alpha > 0:
        joins &= _alpha(image, mask, lab, back, zone, grid, radius, band_px) >= min_alpha
    candidate = np.zeros(mask.shape, bool)
    candidate[zone] = joins
    return _grow_connected(mask > 0, candidate, max_px)


def _alpha(
    image: np.ndarray,
    mask: np.ndarray,
    lab: np.ndarray,
    back: np.ndarray,
    at: Points,
    grid: _Grid,
    radius: int,
    band_px: int,
) -> np.ndarray:
    """How much of the object's colour each pixel ``at`` (CIELAB ``lab``, N x 3) holds.

    The pixel is projected on the line from the local background ``back`` to the
    local object colour (the mask's mean from 2 to 2 + band_px px inside its edge,
    where the rough edge's own mixed pixels are left out): 0 = background, 1 = object.
    Where the two colours are alike the answer is 0 (no halo can be seen there).
    """
    inside = cv2.distanceTransform(np.where(mask > 0, 1, 0).astype(np.uint8), cv2.DIST_L2, 5)
    inner = np.nonzero((inside >= 2) & (inside <= 2 + band_px))
    if not len(inner[0]):
        inner = np.nonzero(inside > 0)
    ones = np.ones(len(inner[0]), np.float32)
    obj, _, count = grid.window_stats(_lab(image, inner), inner, ones, radius, at)
    wide, _, _ = grid.window_stats(_lab(image, inner), inner, ones, 3 * radius, at)
    obj[count < 4] = wide[count < 4]
    line = obj - back
    length2 = (line * line).sum(axis=1)
    share = ((lab - back) * line).sum(axis=1) / np.maximum(length2, 1e-6)
    return np.where(length2 > 4.0, share, 0.0)


Points = tuple[np.ndarray, np.ndarray]  # the row and column indices of some pixels


def _lab(image: np.ndarray, at: Points) -> np.ndarray:
    """CIELAB (L 0-100) of the pixels ``at`` of an RGB uint8 image, N x 3 float32."""
    rgb = as_float(image[at])[:, None, :]
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)[:, 0, :]


class _Grid:
    """Sums over ``step`` x ``step`` blocks of a crop, box-filtered and read per pixel.

    The estimate is smooth (a window of 2 radius + 1 pixels), so summing on a
    coarser grid changes the window by under a block and costs only the band's pixels.
    """

    def __init__(self, shape: tuple[int, int], step: int) -> None:
        self.step = step
        self.shape = (-(-shape[0] // step), -(-shape[1] // step))

    def window_stats(
        self, lab: np.ndarray, band: Points, weight: np.ndarray, radius: int, at: Points
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted mean (N x 3), spread (N) and count (N) of the band's window at ``at``."""
        hs, ws = self.shape
        block = (band[0] // self.step) * ws + band[1] // self.step
        values = np.concatenate([weight[:, None], lab, lab * lab], axis=1) * weight[:, None]
        sums = np.stack(
            [np.bincount(block, values[:, c], hs * ws) for c in range(7)], axis=1
        ).astype(np.float32)
        size = 2 * max(1, round(radius / self.step)) + 1
        sums = cv2.boxFilter(
            sums.reshape(hs, ws, 7),
            -1,
            (size, size),
            normalize=False,
            borderType=cv2.BORDER_CONSTANT,
        )
        picked = sums[at[0] // self.step, at[1] // self.step]
        count = picked[:, 0]
        safe = np.maximum(count, 1e-6)[:, None]
        mean = picked[:, 1:4] / safe
        var = picked[:, 4:7] / safe - mean * mean
        return mean, np.sqrt(np.maximum(var, 0.0)), count


def _background(
    lab: np.ndarray, band: Points, at: Points, grid: _Grid, radius: int, k: float, floor: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mean (N x 3) and spread (N) of the band (CIELAB ``lab``, N x 3) around each pixel ``at``.

    Two passes: the band's pixels that their own estimate does not explain are
    dropped, so a stray object in the band does not pull the mean. Where the window
    holds too few band pixels (a narrow gap between two holes), a window three times
    as wide is used; where that is empty too, the spread is infinite (no growth).
    """
    weight = np.ones(len(lab), np.float32)
    mean, spread, _ = grid.window_stats(lab, band, weight, radius, band)
    weight = (_distance(lab, mean, spread, floor) <= k).astype(np.float32)
    mean, spread, count = grid.window_stats(lab, band, weight, radius, at)
    wide_mean, wide_spread, wide_count = grid.window_stats(lab, band, weight, 3 * radius, at)
    few = count < 4 * radius  # fewer band pixels than about a side of the window
    mean[few] = wide_mean[few]
    spread[few] = np.where(wide_count[few, None] >= 8, wide_spread[few], np.inf)
    return mean, spread


def _distance(lab: np.ndarray, mean: np.ndarray, spread: np.ndarray, floor: float) -> np.ndarray:
    """How far each colour (N x 3) lies from its background, in units of the background's
    own spread per channel (N x 3; ``floor`` added in quadrature), as a Mahalanobis
    distance with a diagonal covariance: a change of hue counts against the
    background's variation of hue, not against its (often larger) variation of lightness.
    """
    d = lab - mean
    return np.sqrt((d * d / (spread * spread + floor * floor)).sum(axis=1))


def _grow_connected(seed: np.ndarray, candidate: np.ndarray, max_px: int) -> np.ndarray:
    """``seed`` plus the candidates (all within max_px of it) reached by 8-connected steps."""
    cur = seed.astype(np.uint8)
    allowed = candidate.astype(np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    for _ in range(2 * max_px):  # a path may wind along the ring
        nxt = cur | (cv2.dilate(cur, kernel) & allowed)
        if np.array_equal(nxt, cur):
            break
        cur = nxt
    return cur * np.uint8(255)
