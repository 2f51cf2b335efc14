"""What a person leaves around them besides their own pixels: halo and cast shadow.

``cover_people`` grows the people's masks to what a fill must cover: a margin for the
segmenter's own edge error, then the anti-aliased halo (``grow_to_halo``: the pixels
around the mask that the background does not explain), then the cast shadow.
``cast_shadow`` finds the shadow: pixels on the ground around the feet that are darker
than the ground near them (a shadow takes light, not colour), connected to the feet.
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.core.masks import dilate
from retouch.inpaint.halo import grow_to_halo

__all__ = ["cast_shadow", "cover_people"]


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(ys.min()), int(xs.min()), int(ys.max()) + 1, int(xs.max()) + 1


def cast_shadow(
    image: np.ndarray,
    person: np.ndarray,
    others: np.ndarray,
    *,
    darker: float = 0.75,
    chroma: float = 10.0,
    max_share: float = 0.6,
) -> np.ndarray:
    """The shadow ``person`` casts on the ground: H x W bool, outside every person.

    image: H x W x 3 uint8 RGB; person, others: H x W bool (this person; every person).
    Only a person standing in the photo casts one here: the mask must end above the
    photo's bottom edge in feet (its lowest rows narrower than its widest). A pixel is
    shadow when, near the feet (rows from 20 % of the person's height above the feet
    to 40 % below, columns 60 % of the height either side), it is at most ``darker``
    times as light (CIELAB L) as the local ground (a masked blur of the pixels that are
    neither people nor dark), its colour (a, b) within ``chroma`` of the ground's, and
    its region touches the feet and is at most ``max_share`` of the person's area (a
    larger dark region is a dark surface, not a shadow).
    """
    none = np.zeros(person.shape, bool)
    if not _stands(person):
        return none
    y0, x0, y1, x1 = _box(person)
    tall = y1 - y0
    h, w = person.shape
    r0, r1 = max(0, y1 - int(0.2 * tall)), min(h, y1 + int(0.4 * tall))
    c0, c1 = max(0, x0 - int(0.6 * tall)), min(w, x1 + int(0.6 * tall))
    lab = cv2.cvtColor(image[r0:r1, c0:c1].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    free = ~others[r0:r1, c0:c1]
    sigma = max(2.0, 0.12 * tall)
    ground = _masked_blur(lab, free, sigma)
    ground = _masked_blur(lab, free & (lab[..., 0] > 0.9 * ground[..., 0]), sigma)
    dark = lab[..., 0] <= darker * ground[..., 0]
    same = np.hypot(lab[..., 1] - ground[..., 1], lab[..., 2] - ground[..., 2]) <= chroma
    found = (dark & same & free).astype(np.uint8)
    found = cv2.morphologyEx(found, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    feet = np.zeros_like(found)
    top = max(0, y1 - r0 - int(0.1 * tall))
    feet[top:] = person[r0:r1, c0:c1][top:]
    feet = dilate(feet * 255, max(2, round(0.03 * tall))) > 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(found, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= max_share * np.count_nonzero(person)
    touching = np.zeros(count, bool)
    touching[np.unique(labels[feet & (found > 0)])] = True
    touching[0] = False
    none[r0:r1, c0:c1] = (touching & small)[labels]
    return none


def _stands(person: np.ndarray) -> bool:
    """True when ``person`` (H x W bool) ends in feet above the photo's bottom edge: its
    lowest 5 % of rows narrower than 70 % of its widest row (a bust cut off by the frame
    or a person cut by the edge has no feet to cast a shadow from)."""
    y0, _, y1, _ = _box(person)
    if y1 - y0 < 12 or y1 >= person.shape[0] - 1:
        return False
    widths = np.count_nonzero(person[y0:y1], axis=1)
    return widths[-max(1, (y1 - y0) // 20) :].max() < 0.7 * widths.max()


def _masked_blur(lab: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """The Gaussian mean of ``lab`` (h x w x 3) over the pixels where ``weight`` is set."""
    wt = weight.astype(np.float32)
    num = cv2.GaussianBlur(lab * wt[..., None], (0, 0), sigma)
    den = cv2.GaussianBlur(wt, (0, 0), sigma)[..., None]
    fallback = lab[weight].mean(axis=0) if weight.any() else lab.reshape(-1, 3).mean(axis=0)
    return np.where(den > 1e-3, num / np.maximum(den, 1e-6), fallback).astype(np.float32)


def cover_people(
    image: np.ndarray,
    people: list[np.ndarray],
    everyone: np.ndarray,
    *,
    margin_px: int,
    halo_px: int,
    shadow: bool,
) -> np.ndarray:
    """H x W bool: the union of ``people`` (each H x W bool) grown by ``margin_px``, then
    over its halo (up to ``halo_px`` more), then with each one's cast shadow
    (``shadow``). ``everyone``: H x W bool, every person of the photo (a shadow is
    looked for outside them)."""
    union = np.zeros(image.shape[:2], bool)
    for person in people:
        union |= person
    grown = dilate(np.where(union, 255, 0).astype(np.uint8), margin_px)
    if halo_px and grown.any():
        grown = grow_to_halo(image, grown, max_px=halo_px)
    out = grown > 0
    for person in people if shadow else ():
        out |= cast_shadow(image, person, everyone)
    return out
