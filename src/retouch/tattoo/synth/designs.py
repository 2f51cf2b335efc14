"""Procedural tattoo designs: a coverage map and an ink colour per pixel, on a square canvas.

Every family is a function ``(rng, size) -> coverage`` (H x W float32 in [0, 1], 1 =
fully inked), drawn with anti-aliased OpenCV primitives or, for lettering, Pillow and
the fonts of Debian's font packages. Besides strokes (linework, lettering, geometric,
dotwork) there are regions of ink as most real tattoos are: solid blackwork and wide
tribal, black-and-grey realism (grey wash and gradients inside outlines), and
colour-packed flowers, birds and blobs (saturated fills, shading, a black outline).
``make_design`` picks a family (``WEIGHTS``) and inks it: black, old green-blue,
faded blue-green, grey wash, red, or colour fills with a black outline.

>>> import numpy as np
>>> d = make_design(np.random.default_rng(0), 64)
>>> d.coverage.shape, d.colour.shape, d.coverage.dtype
((64, 64), (64, 64, 3), dtype('float32'))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from retouch.tattoo.synth.regions import blackwork, colour_packed, shaded
from retouch.tattoo.synth.shapes import (
    blade,
    canvas,
    closed_shape,
    curve,
    rose_curve,
    star,
    stroke_width,
)

__all__ = ["FAMILIES", "INKS", "REGION_FAMILIES", "WEIGHTS", "Design", "font_files", "make_design"]

# Ink colours as RGB in [0, 1] (what skin is multiplied by where fully inked).
INKS: dict[str, tuple[float, float, float]] = {
    "black": (0.10, 0.10, 0.12),
    "old green-blue": (0.18, 0.32, 0.36),
    "grey wash": (0.35, 0.35, 0.38),
    "red": (0.72, 0.12, 0.12),
    "faded blue-green": (0.42, 0.55, 0.60),  # old ink, spread and paled under the skin
}
INK_ODDS = [0.5, 0.15, 0.1, 0.1, 0.15]  # how often each of ``INKS`` inks a design
FILL_COLOURS = [
    (0.80, 0.15, 0.15),
    (0.15, 0.55, 0.25),
    (0.15, 0.35, 0.75),
    (0.90, 0.75, 0.15),
    (0.55, 0.20, 0.60),
    (0.95, 0.45, 0.15),
    (0.20, 0.65, 0.70),
    (0.90, 0.40, 0.60),
]
WORDS = [
    "Love",
    "Hope",
    "Faith",
    "Mom",
    "Dad",
    "Forever",
    "Family",
    "Freedom",
    "Carpe Diem",
    "Believe",
    "Amor",
    "Vida",
    "Destiny",
    "Strength",
    "Peace",
    "Karma",
    "Wild",
    "1987",
    "MMXX",
    "Never give up",
    "Libertad",
    "Sofia",
    "Lucas",
    "Dream",
    "Fearless",
]
FONT_ROOT = Path("/usr/share/fonts")


@dataclass(frozen=True)
class Design:
    """A tattoo design: ``coverage`` H x W float32 [0, 1]; ``colour`` H x W x 3 float32
    [0, 1], the ink's colour at each pixel; ``family`` and ``ink`` name what it is."""

    coverage: np.ndarray
    colour: np.ndarray
    family: str
    ink: str


def linework(rng: np.random.Generator, size: int) -> np.ndarray:
    """Line art: outlines of shapes and free curves, 1-4 % of the canvas wide."""
    c = canvas(size)
    for _ in range(int(rng.integers(1, 3))):
        cv2.polylines(
            c,
            [closed_shape(rng, size)],
            True,
            1.0,
            stroke_width(rng, size, 0.008, 0.03),
            cv2.LINE_AA,
        )
    for _ in range(int(rng.integers(1, 5))):
        cv2.polylines(
            c, [curve(rng, size)], False, 1.0, stroke_width(rng, size, 0.006, 0.02), cv2.LINE_AA
        )
    return c


def tribal(rng: np.random.Generator, size: int) -> np.ndarray:
    """Tribal: thick blades that taper to points, filled black, often mirrored."""
    c = canvas(size)
    for _ in range(int(rng.integers(2, 6))):
        cv2.fillPoly(c, [blade(rng, size, (0.03, 0.09), 1.5)], 1.0, cv2.LINE_AA)
    if rng.random() < 0.6:
        c = np.maximum(c, c[:, ::-1])
    return c


def font_files(root: Path = FONT_ROOT) -> list[Path]:
    """The TrueType and OpenType fonts under ``root``, sorted (script fonts from
    fonts-dancingscript, fonts-kaushanscript, fonts-lobster, fonts-blankenburg when the
    setup installed them; DejaVu and Liberation otherwise)."""
    if not root.is_dir():
        return []
    found = [p for p in root.rglob("*") if p.suffix.lower() in (".ttf", ".otf")]
    return sorted(p for p in found if "Math" not in p.name and "Mono" not in p.name)


def lettering(rng: np.random.Generator, size: int) -> np.ndarray:
    """Lettering and script: a word or a name in one of the installed fonts."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = font_files()
    scripts = [
        p
        for p in fonts
        if any(k in p.name for k in ("Dancing", "Kaushan", "lobster", "Blankenburg"))
    ]
    pool = scripts if scripts and rng.random() < 0.75 else fonts
    word = WORDS[int(rng.integers(0, len(WORDS)))]
    img = Image.new("L", (size * 2, size), 0)
    draw = ImageDraw.Draw(img)
    px = int(size * rng.uniform(0.22, 0.4))
    font = (
        ImageFont.truetype(str(pool[int(rng.integers(0, len(pool)))]), px)
        if pool
        else ImageFont.load_default()
    )
    draw.text((size // 20, size // 3), word, fill=255, font=font)
    box = img.getbbox()
    if box is None:
        return linework(rng, size)
    text = np.asarray(img.crop(box), np.float32) / 255.0
    scale = min(0.95 * size / text.shape[1], 0.6 * size / text.shape[0])
    text = cv2.resize(
        text,
        (max(1, int(text.shape[1] * scale)), max(1, int(text.shape[0] * scale))),
        interpolation=cv2.INTER_AREA,
    )
    c = canvas(size)
    y, x = (size - text.shape[0]) // 2, (size - text.shape[1]) // 2
    c[y : y + text.shape[0], x : x + text.shape[1]] = text
    return c


def dotwork(rng: np.random.Generator, size: int) -> np.ndarray:
    """Dotwork and shading: stippled dots whose density follows a gradient inside a shape,
    or a soft grey wash."""
    region = canvas(size)
    cv2.fillPoly(region, [closed_shape(rng, size)], 1.0, cv2.LINE_AA)
    yy, xx = np.mgrid[0:size, 0:size] / size
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.clip(0.5 + (np.cos(angle) * (xx - 0.5) + np.sin(angle) * (yy - 0.5)) * 1.4, 0, 1)
    if rng.random() < 0.35:  # shading: a smooth wash, darker one way
        return (region * (0.35 + 0.65 * ramp)).astype(np.float32)
    c = canvas(size)
    count = int(size * size * rng.uniform(0.004, 0.012))
    pts = rng.uniform(0, size, (count, 2))
    keep = rng.random(count) < (region * ramp)[pts[:, 1].astype(int), pts[:, 0].astype(int)]
    radius = max(1, round(size * rng.uniform(0.004, 0.01)))
    for x, y in pts[keep].astype(int):
        cv2.circle(c, (int(x), int(y)), radius, 1.0, -1, cv2.LINE_AA)
    return c


def geometric(rng: np.random.Generator, size: int) -> np.ndarray:
    """Geometric and mandala: concentric rings, radial petals, polygons, spokes."""
    c = canvas(size)
    centre = (size // 2, size // 2)
    line = stroke_width(rng, size, 0.006, 0.018)
    folds = int(rng.integers(6, 17))
    for ring in np.linspace(0.12, 0.46, int(rng.integers(2, 5))):
        cv2.circle(c, centre, int(ring * size), 1.0, line, cv2.LINE_AA)
    petals = rose_curve(size, folds, size * rng.uniform(0.25, 0.45), (size / 2, size / 2))
    cv2.polylines(c, [petals], True, 1.0, line, cv2.LINE_AA)
    if rng.random() < 0.5:
        for k in range(folds):
            a = 2 * np.pi * k / folds
            end = (
                int(centre[0] + 0.45 * size * np.cos(a)),
                int(centre[1] + 0.45 * size * np.sin(a)),
            )
            cv2.line(c, centre, end, 1.0, line, cv2.LINE_AA)
    if rng.random() < 0.5:
        poly = star(size, int(rng.integers(3, 7)), 0.44, 0.44)
        cv2.polylines(c, [np.ascontiguousarray(poly[::2])], True, 1.0, line, cv2.LINE_AA)
    cv2.circle(c, centre, max(2, int(size * rng.uniform(0.02, 0.06))), 1.0, -1, cv2.LINE_AA)
    return c


FAMILIES: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "linework": linework,
    "tribal": tribal,
    "lettering": lettering,
    "dotwork": dotwork,
    "geometric": geometric,
    "colour": linework,  # outlines, then filled with colours (``_colour_fill``)
    "blackwork": blackwork,
    "shaded": shaded,  # black-and-grey realism
    "colour-packed": linework,  # saturated fills (``regions.colour_packed``)
}
# How often each family is drawn: regions of ink (blackwork, shaded, colour-packed) are
# what most real tattoos are (tattoo/dev: sleeves, portraits, skulls, coloured roses).
WEIGHTS = np.array([1.0, 0.8, 0.6, 0.5, 0.6, 0.4, 1.4, 1.8, 1.6])
WEIGHTS = WEIGHTS / WEIGHTS.sum()
REGION_FAMILIES = ("tribal", "blackwork", "shaded", "colour-packed")  # for large pieces


def _colour_fill(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A coloured design: shapes filled with colours (translucent), a black outline."""
    coverage, colour = canvas(size), np.ones((size, size, 3), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        region = canvas(size)
        pts = closed_shape(rng, size)
        shift = rng.integers(-size // 5, size // 5 + 1, 2)
        pts = np.clip(pts + shift, 0, size - 1).astype(np.int32)
        cv2.fillPoly(region, [pts], 1.0, cv2.LINE_AA)
        fill = np.array(FILL_COLOURS[int(rng.integers(0, len(FILL_COLOURS)))], np.float32)
        strength = rng.uniform(0.6, 0.95) * region
        colour = colour * (1 - strength[..., None]) + fill * strength[..., None]
        coverage = np.maximum(coverage, strength)
        cv2.polylines(region, [pts], True, 2.0, stroke_width(rng, size, 0.008, 0.02), cv2.LINE_AA)
        outline = np.clip(region - 1.0, 0, 1)
        colour = colour * (1 - outline[..., None]) + np.array(INKS["black"]) * outline[..., None]
        coverage = np.maximum(coverage, outline)
    return coverage, colour.astype(np.float32)


def make_design(rng: np.random.Generator, size: int, family: str | None = None) -> Design:
    """A random design of ``family`` (None: one of ``FAMILIES``, drawn with ``WEIGHTS``)
    on a ``size`` canvas."""
    family = family or list(FAMILIES)[int(rng.choice(len(FAMILIES), p=WEIGHTS))]
    if family == "colour":
        coverage, colour = _colour_fill(rng, size)
        return Design(coverage, colour, family, "colour fills")
    if family == "colour-packed":
        coverage, colour = colour_packed(rng, size)
        return Design(coverage, colour, family, "colour fills")
    coverage = FAMILIES[family](rng, size)
    inks = list(INKS)
    ink = inks[int(rng.choice(len(inks), p=INK_ODDS))]
    if ink == "faded blue-green":  # old ink spreads under the skin
        coverage = cv2.GaussianBlur(coverage, (0, 0), size * rng.uniform(0.004, 0.012))
    colour = np.broadcast_to(np.array(INKS[ink], np.float32), (size, size, 3)).copy()
    return Design(np.clip(coverage, 0, 1).astype(np.float32), colour, family, ink)
