"""Drawing primitives shared by the design families: empty canvases, line widths,
smooth curves and closed outlines (hearts, stars, rose curves, blobs), as N x 2 int32
point arrays in the pixels of a ``size`` x ``size`` canvas, and smooth random fields.

>>> import numpy as np
>>> closed_shape(np.random.default_rng(0), 64).shape[1]
2
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "blade",
    "blob",
    "canvas",
    "closed_shape",
    "curve",
    "heart",
    "rose_curve",
    "smooth_field",
    "star",
    "stroke_width",
]


def canvas(size: int) -> np.ndarray:
    """An empty ``size`` x ``size`` coverage map (float32 zeros)."""
    return np.zeros((size, size), np.float32)


def stroke_width(rng: np.random.Generator, size: int, low: float, high: float) -> int:
    """A line width in pixels: ``low``-``high`` of the canvas ``size``, at least 1."""
    return max(1, round(size * rng.uniform(low, high)))


def curve(rng: np.random.Generator, size: int, points: int = 6) -> np.ndarray:
    """A smooth random curve inside the canvas: N x 2 int32 points (Catmull-Rom-ish)."""
    knots = rng.uniform(0.12, 0.88, (points, 2)) * size
    t = np.linspace(0, 1, 24 * points)
    xs = np.interp(t, np.linspace(0, 1, points), knots[:, 0])
    ys = np.interp(t, np.linspace(0, 1, points), knots[:, 1])
    k = np.ones(9) / 9
    xs, ys = (np.convolve(np.pad(v, 4, mode="edge"), k, "valid") for v in (xs, ys))
    return np.stack([xs, ys], 1).round().astype(np.int32)


def blade(
    rng: np.random.Generator, size: int, width: tuple[float, float], taper: float
) -> np.ndarray:
    """A tribal blade: a random spine (``curve``) thickened on both sides by a width that
    swells from 0 to ``size * uniform(*width)`` and back (``sin ** taper``), as a closed
    N x 2 int32 outline."""
    spine = curve(rng, size, points=4).astype(np.float32)
    d = np.gradient(spine, axis=0)
    normal = np.stack([-d[:, 1], d[:, 0]], 1) / (np.linalg.norm(d, axis=1, keepdims=True) + 1e-6)
    w = np.sin(np.linspace(0, np.pi, len(spine))) ** taper * size * rng.uniform(*width)
    poly = np.concatenate([spine + normal * w[:, None], (spine - normal * w[:, None])[::-1]])
    return poly.round().astype(np.int32)


def rose_curve(size: int, petals: int, radius: float, centre: tuple[float, float]) -> np.ndarray:
    """A closed rose curve of ``petals`` petals: N x 2 int32 points."""
    theta = np.linspace(0, 2 * np.pi, 400)
    r = radius * np.abs(np.cos(petals * theta / 2.0)) ** 0.6
    pts = np.stack([centre[0] + r * np.cos(theta), centre[1] + r * np.sin(theta)], 1)
    return pts.round().astype(np.int32)


def heart(size: int, scale: float) -> np.ndarray:
    """A heart outline centred on the canvas: N x 2 int32 points."""
    t = np.linspace(0, 2 * np.pi, 300)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    pts = np.stack([x, y], 1) * (scale * size / 36.0) + size / 2.0
    return pts.round().astype(np.int32)


def star(size: int, tips: int, outer: float, inner: float) -> np.ndarray:
    """A star of ``tips`` tips (radii ``outer`` and ``inner`` of ``size``): 2 x tips x 2 int32."""
    angles = np.arange(2 * tips) * np.pi / tips - np.pi / 2
    radii = np.where(np.arange(2 * tips) % 2 == 0, outer, inner) * size
    pts = np.stack([size / 2 + radii * np.cos(angles), size / 2 + radii * np.sin(angles)], 1)
    return pts.round().astype(np.int32)


def closed_shape(rng: np.random.Generator, size: int) -> np.ndarray:
    """One closed outline: a heart, a star, a rose curve or a blob."""
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return heart(size, rng.uniform(0.6, 0.9))
    if kind == 1:
        return star(size, int(rng.integers(5, 9)), rng.uniform(0.3, 0.45), rng.uniform(0.12, 0.25))
    if kind == 2:
        return rose_curve(
            size, int(rng.integers(3, 8)), size * rng.uniform(0.3, 0.45), (size / 2, size / 2)
        )
    theta = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    wobble = sum(rng.uniform(0, 0.08) * np.cos(k * theta + rng.uniform(0, 6)) for k in (2, 3, 5))
    r = size * (0.32 + wobble)
    return np.stack([size / 2 + r * np.cos(theta), size / 2 + r * np.sin(theta)], 1).astype(
        np.int32
    )


def blob(
    rng: np.random.Generator, size: int, radius: float, centre: tuple[float, float], wobble: float
) -> np.ndarray:
    """A closed wobbly blob of mean ``radius`` px around ``centre``: N x 2 int32 points;
    ``wobble`` is the relative amplitude of its lobes."""
    theta = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    r = radius * (
        1 + sum(rng.uniform(0, wobble) * np.cos(k * theta + rng.uniform(0, 6)) for k in (2, 3, 5))
    )
    pts = np.stack([centre[0] + r * np.cos(theta), centre[1] + r * np.sin(theta)], 1)
    return np.clip(pts, 0, size - 1).round().astype(np.int32)


def smooth_field(rng: np.random.Generator, size: int, scale: float) -> np.ndarray:
    """A smooth random field in [0, 1] (size x size float32): noise blurred by
    ``scale`` (a fraction of ``size``) and stretched to its full range."""
    f = cv2.GaussianBlur(
        rng.random((size, size)).astype(np.float32), (0, 0), max(1.0, scale * size)
    )
    return ((f - f.min()) / max(1e-6, float(np.ptp(f)))).astype(np.float32)
