"""Line art as SVG: the outlines of the ink, traced into paths a designer can edit.

``cv2.findContours`` traces the boundary of every stroke (and of the holes inside closed
ones); each becomes a subpath of one ``<path>`` filled with the even-odd rule, simplified
by Douglas-Peucker to ``tolerance`` px, in the image's own pixel coordinates.
"""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import quoteattr

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.atomic import write_atomic

__all__ = ["line_svg", "on_transparent", "write_svg"]


def _subpaths(ink: np.ndarray, tolerance: float) -> list[str]:
    contours, _ = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        c = cv2.approxPolyDP(c, tolerance, True)[:, 0] if tolerance > 0 else c[:, 0]
        if len(c) >= 2:
            points = " L".join(f"{x} {y}" for x, y in c.tolist())
            out.append(f"M{points} Z")
    return out


def line_svg(image: np.ndarray, *, threshold: int = 128, tolerance: float = 0.7) -> str:
    """The dark strokes of ``image`` (H x W x 3 uint8 RGB, black on white; pixels darker
    than ``threshold`` are ink) as an SVG document (text), ``W x H`` user units.

    >>> line_svg(np.full((4, 4, 3), 255, np.uint8)).startswith("<?xml")  # doctest: +SKIP
    True
    """
    image = check_image(image)
    h, w = image.shape[:2]
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    ink = (luma < threshold).astype(np.uint8)
    d = " ".join(_subpaths(ink, tolerance))
    path = f'  <path d={quoteattr(d)} fill="#000" fill-rule="evenodd"/>\n' if d else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}">\n'
        f'  <rect width="{w}" height="{h}" fill="#fff"/>\n{path}</svg>\n'
    )


def on_transparent(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A drawing's ink on a transparent sheet instead of white paper.

    image: H x W x 3 uint8 RGB, dark strokes on white. Returns (rgb, alpha): rgb H x W x 3
    uint8 all black, alpha H x W uint8 = 255 - luma, so a grey anti-aliased edge keeps its
    share of ink and the paper (255) becomes fully transparent. Laid over white it gives
    the drawing back (to within rounding).

    >>> rgb, alpha = on_transparent(np.full((2, 2, 3), 255, np.uint8))
    >>> int(alpha.max())
    0
    """
    image = check_image(image)
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return np.zeros_like(image), (255 - luma).astype(np.uint8)


def write_svg(path: str | os.PathLike, image: np.ndarray, **options: float) -> Path:
    """Write ``line_svg(image, **options)`` to ``path`` atomically; returns the path."""
    return write_atomic(Path(path), line_svg(image, **options).encode("utf-8"))
