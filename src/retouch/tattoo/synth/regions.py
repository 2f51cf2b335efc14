"""Design families that are regions of ink, not strokes: what most real tattoos are.

- ``blackwork``: solid black over large areas: filled blobs and bands with negative-space
  lines cut out of them, stacked geometric solids, wide mirrored tribal blades;
- ``shaded``: black-and-grey realism: a grey wash whose tone follows smooth gradients and
  mottling inside an outline, dark shadows towards one side, outlines and inner details;
- ``colour_packed``: flowers, birds and blobs packed with saturated fills (teal, purple,
  red, yellow...), shaded darker towards their edges, with a black outline.

Coverage maps are ``size`` x ``size`` float32 in [0, 1]; colours float32 RGB [0, 1].

>>> import numpy as np
>>> c = blackwork(np.random.default_rng(0), 64)
>>> c.shape, c.dtype, bool(c.max() == 1.0)
((64, 64), dtype('float32'), True)
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.tattoo.synth.shapes import (
    blade,
    blob,
    canvas,
    closed_shape,
    curve,
    rose_curve,
    smooth_field,
    star,
    stroke_width,
)

__all__ = ["SATURATED", "blackwork", "colour_packed", "shaded"]

BLACK = np.array((0.10, 0.10, 0.12), np.float32)
# Saturated fills of colour-packed designs (multiplied onto skin: darker than they read).
SATURATED = [
    (0.05, 0.62, 0.62),  # teal
    (0.50, 0.12, 0.62),  # purple
    (0.85, 0.08, 0.10),  # red
    (0.98, 0.85, 0.10),  # yellow
    (0.10, 0.30, 0.85),  # blue
    (0.10, 0.60, 0.20),  # green
    (0.95, 0.40, 0.05),  # orange
    (0.90, 0.20, 0.55),  # pink
]


def _cut_lines(rng: np.random.Generator, c: np.ndarray, size: int) -> None:
    """Negative space: skin-coloured curves cut out of a filled region (in place)."""
    for _ in range(int(rng.integers(0, 5))):
        cv2.polylines(
            c, [curve(rng, size)], False, 0.0, stroke_width(rng, size, 0.01, 0.035), cv2.LINE_AA
        )


def _blades(rng: np.random.Generator, size: int, width: tuple[float, float]) -> np.ndarray:
    """Wide tapering tribal blades along random spines, mirrored half the time."""
    c = canvas(size)
    for _ in range(int(rng.integers(3, 8))):
        cv2.fillPoly(c, [blade(rng, size, width, 1.2)], 1.0, cv2.LINE_AA)
    return np.maximum(c, c[:, ::-1]) if rng.random() < 0.5 else c


def blackwork(rng: np.random.Generator, size: int) -> np.ndarray:
    """Solid black over a large part of the canvas (one of four layouts)."""
    kind = int(rng.integers(0, 4))
    c = canvas(size)
    if kind == 0:  # filled blobs, overlapping
        for _ in range(int(rng.integers(1, 4))):
            centre = tuple(rng.uniform(0.3, 0.7, 2) * size)
            pts = blob(rng, size, size * rng.uniform(0.15, 0.38), centre, 0.25)
            cv2.fillPoly(c, [pts], 1.0, cv2.LINE_AA)
    elif kind == 1:  # a band (armband, cuff) across the canvas
        y0, y1 = sorted(rng.uniform(0.15, 0.85, 2) * size)
        y1 = max(y1, y0 + 0.2 * size)
        wave = np.sin(np.linspace(0, rng.uniform(2, 9), size)) * size * rng.uniform(0, 0.06)
        top = np.stack([np.arange(size), y0 + wave], 1)
        bottom = np.stack([np.arange(size)[::-1], (y1 - wave)[::-1]], 1)
        cv2.fillPoly(c, [np.concatenate([top, bottom]).round().astype(np.int32)], 1.0)
    elif kind == 2:  # stacked geometric solids: diamonds, triangles, polygons
        for _ in range(int(rng.integers(1, 4))):
            tips = int(rng.choice([3, 4, 4, 6]))
            pts = star(size, tips, rng.uniform(0.2, 0.46), 0.3)[::2].astype(np.float64)
            pts[:, 0] = size / 2 + (pts[:, 0] - size / 2) * rng.uniform(0.5, 1.0)  # narrower
            pts = np.clip(pts + rng.integers(-size // 6, size // 6 + 1, 2), 0, size - 1)
            cv2.fillPoly(c, [np.ascontiguousarray(pts, np.int32)], 1.0, cv2.LINE_AA)
    else:  # wide tribal
        c = _blades(rng, size, (0.07, 0.16))
    _cut_lines(rng, c, size)
    return c


def shaded(rng: np.random.Generator, size: int) -> np.ndarray:
    """Black-and-grey realism: a wash of grey tones inside an outline, dark shadows."""
    region = canvas(size)
    centre = (size / 2, size / 2)
    if rng.random() < 0.5:
        pts = blob(rng, size, size * rng.uniform(0.3, 0.46), centre, 0.2)
    else:
        pts = closed_shape(rng, size)
    cv2.fillPoly(region, [pts], 1.0, cv2.LINE_AA)
    yy, xx = np.mgrid[0:size, 0:size] / size
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.clip(0.5 + (np.cos(angle) * (xx - 0.5) + np.sin(angle) * (yy - 0.5)) * 1.5, 0, 1)
    mottle = 0.5 * smooth_field(rng, size, 0.05) + 0.5 * smooth_field(rng, size, 0.012)
    tone = (0.4 * ramp + 0.6 * mottle) ** rng.uniform(0.6, 1.6)
    tone = rng.uniform(0.15, 0.35) + (1 - rng.uniform(0.0, 0.15)) * tone  # grey to black
    highlights = smooth_field(rng, size, 0.03) > rng.uniform(0.75, 0.95)  # bare skin shows
    c = region * np.clip(tone, 0, 1) * ~highlights
    line = stroke_width(rng, size, 0.006, 0.02)
    if rng.random() < 0.7:
        cv2.polylines(c, [pts], True, 1.0, line, cv2.LINE_AA)
    for _ in range(int(rng.integers(2, 9))):  # inner details: dark lines and shadows
        inner = np.zeros_like(c)
        cv2.polylines(inner, [curve(rng, size)], False, 1.0, 2 * line, cv2.LINE_AA)
        c = np.maximum(c, cv2.GaussianBlur(inner, (0, 0), line) * region)
    return np.clip(c, 0, 1).astype(np.float32)


def _motif(rng: np.random.Generator, size: int) -> list[np.ndarray]:
    """The regions of a colour-packed design, back to front: a flower, a bird or blobs."""
    kind = int(rng.integers(0, 3))
    s, mid = size, (size / 2, size / 2)
    if kind == 0:  # flower: petal layers of shrinking size, leaves behind
        out = [
            blob(rng, s, s * 0.12, (s * rng.uniform(0.2, 0.8), s * rng.uniform(0.2, 0.8)), 0.5)
            for _ in range(int(rng.integers(0, 3)))
        ]
        petals = int(rng.integers(4, 9))
        for r in sorted(rng.uniform(0.12, 0.46, int(rng.integers(2, 4))), reverse=True):
            out.append(rose_curve(s, petals, s * r, mid))
        return out
    if kind == 1:  # bird: wings, body, head, tail
        cx, cy = mid
        tail = np.array([[cx, cy], [cx - 0.1 * s, cy + 0.45 * s], [cx + 0.1 * s, cy + 0.45 * s]])
        wings = [
            np.array(
                [
                    [cx, cy],
                    [cx + sign * rng.uniform(0.3, 0.48) * s, cy - rng.uniform(0.1, 0.4) * s],
                    [cx + sign * 0.2 * s, cy + 0.1 * s],
                ]
            )
            for sign in (-1, 1)
        ]
        body = cv2.ellipse2Poly((int(cx), int(cy)), (int(0.09 * s), int(0.22 * s)), 0, 0, 360, 8)
        head = cv2.ellipse2Poly((int(cx), int(cy - 0.25 * s)), (int(0.08 * s),) * 2, 0, 0, 360, 12)
        return [p.round().astype(np.int32) for p in (tail, *wings)] + [body, head]
    return [
        blob(rng, s, s * rng.uniform(0.12, 0.3), tuple(rng.uniform(0.25, 0.75, 2) * s), 0.3)
        for _ in range(int(rng.integers(2, 6)))
    ]


def colour_packed(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Regions packed with saturated colour, shaded towards their edges, outlined in black:
    (coverage, colour)."""
    coverage, colour = canvas(size), np.ones((size, size, 3), np.float32)
    outline_px = stroke_width(rng, size, 0.006, 0.022)
    for pts in _motif(rng, size):
        region = canvas(size)
        cv2.fillPoly(region, [np.ascontiguousarray(pts, np.int32)], 1.0, cv2.LINE_AA)
        a = np.array(SATURATED[int(rng.integers(0, len(SATURATED)))], np.float32)
        fill = np.broadcast_to(a, (size, size, 3))
        if rng.random() < 0.3:  # a second colour blended in (a watercolour wash)
            b = np.array(SATURATED[int(rng.integers(0, len(SATURATED)))], np.float32)
            mix = smooth_field(rng, size, 0.08)[..., None] ** 2
            fill = a * (1 - mix) + b * mix
        edge = cv2.distanceTransform((region > 0.5).astype(np.uint8), cv2.DIST_L2, 3)
        rim = np.exp(-edge / max(1.0, size * rng.uniform(0.01, 0.04)))[..., None]
        fill = fill * (1 - rng.uniform(0.0, 0.4) * rim)  # shaded darker at the edges
        strength = (rng.uniform(0.85, 1.0) * region)[..., None]
        colour = colour * (1 - strength) + fill.astype(np.float32) * strength
        coverage = np.maximum(coverage, strength[..., 0])
        if rng.random() < 0.85:
            line = canvas(size)
            cv2.polylines(
                line, [np.ascontiguousarray(pts, np.int32)], True, 1.0, outline_px, cv2.LINE_AA
            )
            colour = colour * (1 - line[..., None]) + BLACK * line[..., None]
            coverage = np.maximum(coverage, line)
    return coverage, np.clip(colour, 0, 1).astype(np.float32)
