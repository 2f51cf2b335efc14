"""Realism tattoos: a photograph rendered in ink, as tattoo artists do portraits and animals.

Black-and-grey realism is a greyscale picture tattooed as ink density: the picture's dark
parts are dense ink, its highlights bare skin, its mid-tones a grey wash, its edges
fading into the skin or into a dark smoky background. Colour realism keeps the
picture's (saturated) colours. Procedural shapes cannot draw an owl's feathers or a face,
so the pictures come from photos: ``make_sample`` is given a second photo of the skin
folder (people, faces, skin, whatever it holds), and a crop of it becomes the design.

Coverage maps are ``size`` x ``size`` float32 in [0, 1]; colours float32 RGB [0, 1].

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> picture = rng.integers(0, 256, (80, 120, 3), dtype=np.uint8)
>>> coverage, colour, ink = realism(rng, 64, picture)
>>> coverage.shape, colour.shape, coverage.dtype, ink in INKS
((64, 64), (64, 64, 3), dtype('float32'), True)
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.tattoo.synth.regions import BLACK
from retouch.tattoo.synth.shapes import blob, canvas, closed_shape, smooth_field

__all__ = ["INKS", "realism"]

INKS = ("black and grey", "colour")
COLOUR_SHARE = 0.25  # realism pieces done in colour
CROP_TRIES = 4
# Diluted black ink, a grey wash, reads blue-grey under the skin, not as darker skin.
WASH = np.array((0.34, 0.37, 0.42), np.float32)


def _detail(crop: np.ndarray) -> float:
    """How much there is to draw in ``crop`` (uint8 RGB): its mean gradient magnitude."""
    g = cv2.cvtColor(cv2.resize(crop, (64, 64), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    g = g.astype(np.float32)
    return float(np.mean(np.abs(np.diff(g, axis=0))) + np.mean(np.abs(np.diff(g, axis=1))))


def _crop(rng: np.random.Generator, picture: np.ndarray, size: int) -> np.ndarray:
    """A square crop of ``picture`` (a third to all of its shorter side), the most
    detailed of ``CROP_TRIES`` random ones (a plain wall makes no tattoo), as
    ``size`` x ``size`` float32 RGB in [0, 1], mirrored half the time."""
    h, w = picture.shape[:2]
    crops = []
    for _ in range(CROP_TRIES):
        side = max(8, round(min(h, w) * rng.uniform(0.35, 1.0)))
        y = int(rng.integers(0, h - side + 1))
        x = int(rng.integers(0, w - side + 1))
        crops.append(picture[y : y + side, x : x + side])
    crop = max(crops, key=_detail)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    out = cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=cv2.INTER_AREA)
    return out.astype(np.float32) / 255.0


def _density(rng: np.random.Generator, grey: np.ndarray, size: int) -> np.ndarray:
    """Ink density of a greyscale picture: contrast stretched between its 2nd and 98th
    percentiles, dark = dense, a tone curve, local contrast boosted as artists shade."""
    lo, hi = np.percentile(grey, [2, 98])
    g = np.clip((grey - lo) / max(hi - lo, 1e-3), 0, 1)
    base = cv2.GaussianBlur(g, (0, 0), size * rng.uniform(0.03, 0.1))
    g = np.clip(base + (g - base) * rng.uniform(1.5, 3.0), 0, 1)  # crisper detail
    d = np.clip((1 - g) * rng.uniform(1.1, 1.5) - 0.1, 0, 1) ** rng.uniform(0.6, 1.6)
    d = np.where(d < rng.uniform(0.05, 0.2), 0.0, d)  # highlights left as bare skin
    return (d * rng.uniform(0.8, 1.0)).astype(np.float32)


def _extent(rng: np.random.Generator, size: int) -> np.ndarray:
    """Where the piece is: a soft blob, a closed shape or nearly the whole canvas (a
    sleeve), its edge fading into the skin over 2-10 % of the canvas."""
    region = canvas(size)
    kind = rng.random()
    if kind < 0.4:
        centre = (size / 2, size / 2)
        cv2.fillPoly(region, [blob(rng, size, size * rng.uniform(0.3, 0.48), centre, 0.25)], 1.0)
    elif kind < 0.7:
        cv2.fillPoly(region, [closed_shape(rng, size)], 1.0)
    else:
        m = round(size * rng.uniform(0.02, 0.1))
        region[m : size - m, m : size - m] = 1.0
    soft = cv2.GaussianBlur(region, (0, 0), size * rng.uniform(0.02, 0.1))
    return np.clip(soft * 1.3, 0, 1)


def realism(
    rng: np.random.Generator, size: int, picture: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    """A realism piece drawn from ``picture`` (H x W x 3 uint8 RGB): coverage, colour
    and the ink's name (one of ``INKS``) on a ``size`` canvas."""
    rgb = _crop(rng, picture, size)
    grey = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    density = _density(rng, grey, size)
    if rng.random() < 0.4:  # a dark, smoky background behind the subject
        smoke = smooth_field(rng, size, rng.uniform(0.02, 0.06))
        density = np.maximum(density, rng.uniform(0.4, 0.9) * smoke**1.5)
    extent = _extent(rng, size)
    coverage = np.clip(density * extent, 0, 1).astype(np.float32)
    if rng.random() < COLOUR_SHARE:
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(1.5, 3.0) + 0.2, 0, 1)
        hsv[..., 2] = np.clip(hsv[..., 2] * rng.uniform(0.5, 0.9), 0, 1)
        colour = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
        # colour ink is laid where the picture is, dense or not; its darks stay black
        coverage = np.maximum(coverage, 0.7 * extent * (density > 0))
        dark = density[..., None] ** 2
        colour = (colour * (1 - dark) + BLACK * dark).astype(np.float32)
        return coverage.astype(np.float32), colour, "colour"
    dark = density[..., None]
    colour = (WASH * (1 - dark) + BLACK * dark).astype(np.float32)
    return coverage, colour, "black and grey"
