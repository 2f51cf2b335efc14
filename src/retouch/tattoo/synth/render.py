"""Putting a design on a photo of skin as ink would be: placed, bent, faded, under the skin.

- ``placement``: where the design goes (a homography from its canvas into the photo:
  scale, rotation, perspective), centred on the skin;
- ``bend``: a cylinder-like compression across a random axis and a smooth random
  displacement (the body's curvature);
- ``age_ink``: bleed (blur), patchy fading and the overall opacity;
- ``occlude``: hair strands or a piece of cloth drawn over both photos, the ink under
  them taken out;
- ``blend``: multiply, so the skin's texture and lighting show through the ink;
- ``camera``: the same sensor noise and JPEG quality on the tattooed and the clean photo.

Images here are H x W x 3 float32 RGB in [0, 1]; coverage maps H x W float32 [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.core.arrays import as_uint8
from retouch.core.io import decode_image, encode_image
from retouch.tattoo.synth.designs import Design

__all__ = ["age_ink", "bend", "blend", "camera", "occlude", "placement", "visible_ink"]


def placement(
    rng: np.random.Generator, skin: np.ndarray, canvas: int, *, large: bool = False
) -> np.ndarray | None:
    """A 3 x 3 homography from a ``canvas`` x ``canvas`` design into the photo, or None
    when the photo has too little skin. skin: H x W bool. The design's side is 0.3-0.8
    of the square root of the skin's area; ``large`` (a sleeve-size piece): 0.9-1.6,
    up to 1.2 times the photo's longer side, so it covers much of the skin."""
    ys, xs = np.nonzero(cv2.erode(skin.astype(np.uint8), np.ones((9, 9), np.uint8)))
    if len(ys) < 400:
        return None
    i = int(rng.integers(0, len(ys)))
    centre = np.array([xs[i], ys[i]], np.float64)
    if large:
        side = np.sqrt(np.count_nonzero(skin)) * rng.uniform(0.9, 1.6)
        side = min(side, 1.2 * max(skin.shape))
    else:
        side = np.sqrt(np.count_nonzero(skin)) * rng.uniform(0.3, 0.8)
        side = min(side, 0.9 * min(skin.shape))
    angle = rng.uniform(-np.pi, np.pi)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    aspect = rng.uniform(0.75, 1.3)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64) * 0.5
    corners *= [side * aspect, side / aspect]
    corners += rng.normal(0, 0.06 * side, corners.shape)  # perspective
    dst = corners @ rot.T + centre
    src = np.array([[0, 0], [canvas, 0], [canvas, canvas], [0, canvas]], np.float64)
    return cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))


def warp(
    design: Design, homography: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The design's coverage (H x W) and ink colour (H x W x 3) in the photo's frame."""
    h, w = shape
    cov = cv2.warpPerspective(design.coverage, homography, (w, h), flags=cv2.INTER_LINEAR)
    col = cv2.warpPerspective(
        design.colour, homography, (w, h), flags=cv2.INTER_LINEAR, borderValue=(1.0, 1.0, 1.0)
    )
    return cov, col


def bend(
    rng: np.random.Generator, coverage: np.ndarray, colour: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``coverage`` and ``colour`` bent as on a limb: compressed towards the edges of a
    cylinder across a random axis, plus a smooth displacement of a few pixels."""
    h, w = coverage.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    axis = np.array([np.cos(angle), np.sin(angle)], np.float32)
    cy, cx = h * rng.uniform(0.3, 0.7), w * rng.uniform(0.3, 0.7)
    across = (xx - cx) * axis[0] + (yy - cy) * axis[1]
    radius = max(h, w) * rng.uniform(0.5, 1.5)
    t = np.clip(across / radius, -0.99, 0.99)
    shift = radius * np.arcsin(t) - across  # where on the cylinder this pixel shows
    noise = [
        cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), max(h, w) / 12)
        for _ in range(2)
    ]
    amp = max(h, w) * rng.uniform(0.0, 0.01) / max(1e-6, float(np.abs(noise[0]).max()))
    map_x = xx + shift * axis[0] + amp * noise[0]
    map_y = yy + shift * axis[1] + amp * noise[1]
    cov = cv2.remap(coverage, map_x, map_y, cv2.INTER_LINEAR, borderValue=0)
    col = cv2.remap(colour, map_x, map_y, cv2.INTER_LINEAR, borderValue=(1.0, 1.0, 1.0))
    return cov, col


def age_ink(rng: np.random.Generator, coverage: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """Ink as it sits in skin: only on ``skin`` (H x W bool), bled (blurred 0.4-2 px),
    faded in patches and at an overall opacity of 0.75-1 (one in four: 0.5-0.8, old or
    light ink)."""
    h, w = coverage.shape
    bled = cv2.GaussianBlur(coverage, (0, 0), rng.uniform(0.4, 2.0))
    halo = cv2.GaussianBlur(coverage, (0, 0), rng.uniform(2.0, 5.0)) * rng.uniform(0.0, 0.15)
    patches = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), max(h, w) / 30)
    patches = (patches - patches.min()) / max(1e-6, float(np.ptp(patches)))
    fade = 1.0 - rng.uniform(0.0, 0.35) * patches
    # Soft at the skin's edge but nothing beyond it (dark ink blurred out would show).
    soft_skin = cv2.GaussianBlur(skin.astype(np.float32), (0, 0), 1.0) * skin
    opacity = rng.uniform(0.5, 0.8) if rng.random() < 0.25 else rng.uniform(0.75, 1.0)
    out = np.clip(np.maximum(bled, halo) * fade * opacity, 0, 1) * soft_skin
    return out.astype(np.float32)


def occlude(
    rng: np.random.Generator, images: list[np.ndarray], coverage: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Hair strands or a piece of cloth over part of the tattoo, drawn on every image of
    ``images`` alike; the coverage under them is taken out."""
    h, w = coverage.shape
    ys, xs = np.nonzero(coverage > 0.1)
    if len(ys) == 0:
        return images, coverage
    over = np.zeros((h, w), np.float32)
    if rng.random() < 0.5:  # hair: thin dark curves across the design
        colour = np.array(rng.choice([[0.12, 0.08, 0.05], [0.35, 0.22, 0.12], [0.05, 0.05, 0.05]]))
        drift = rng.normal(0, 3, 2)  # strands of one lock run the same way
        for _ in range(int(rng.integers(4, 16))):
            x0, y0 = xs[int(rng.integers(0, len(xs)))], ys[int(rng.integers(0, len(ys)))]
            pts = np.cumsum(rng.normal(0, 1.5, (30, 2)) + drift, 0) + np.array([x0, y0])
            cv2.polylines(
                over, [pts.astype(np.int32)], False, 1.0, int(rng.integers(1, 3)), cv2.LINE_AA
            )
    else:  # cloth: a band with a straight-ish edge over one side of the design
        colour = rng.uniform(0.05, 0.9, 3)
        x0, y0 = xs[int(rng.integers(0, len(xs)))], ys[int(rng.integers(0, len(ys)))]
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w]
        side = (xx - x0) * np.cos(angle) + (yy - y0) * np.sin(angle)
        over = cv2.GaussianBlur((side > 0).astype(np.float32), (0, 0), 1.2)
    shade = over[..., None]
    covered = [img * (1 - shade) + colour.astype(np.float32) * shade for img in images]
    return covered, (coverage * (1 - over)).astype(np.float32)


def blend(clean: np.ndarray, coverage: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Ink under the skin: ``clean`` multiplied by the ink colour where ``coverage`` is 1.

    clean, colour: H x W x 3 float32 [0, 1]; coverage: H x W float32 [0, 1]."""
    c = coverage[..., None]
    return (clean * (1 - c + c * colour)).astype(np.float32)


def visible_ink(tattooed: np.ndarray, clean: np.ndarray, *, delta_e: float = 6.0) -> np.ndarray:
    """H x W bool: where the ink changes the photo visibly (CIE76 colour difference of
    at least ``delta_e``), measured before noise and compression."""
    a = cv2.cvtColor(tattooed.astype(np.float32), cv2.COLOR_RGB2Lab)
    b = cv2.cvtColor(clean.astype(np.float32), cv2.COLOR_RGB2Lab)
    return np.linalg.norm(a - b, axis=2) >= delta_e


def camera(
    rng: np.random.Generator, images: list[np.ndarray]
) -> tuple[list[bytes], list[np.ndarray]]:
    """The same sensor noise (sigma 0-4 of 255) and JPEG quality (60-95) on every image:
    their JPEG bytes and the decoded H x W x 3 uint8 RGB arrays."""
    h, w = images[0].shape[:2]
    noise = rng.normal(0, rng.uniform(0, 4.0) / 255.0, (h, w, 3)).astype(np.float32)
    quality = int(rng.integers(60, 96))
    data = [encode_image(as_uint8(img + noise), "jpeg", quality=quality) for img in images]
    return data, [decode_image(d).rgb for d in data]
