"""Augmentations for segmentation training: one random affine warp (scale, rotation,
flip, crop) applied to image and mask together, then photometric changes to the image
only (colour and white balance, blur, noise, JPEG artifacts) and random occluders that
also clear the mask where they cover it.

Everything draws from an explicit ``np.random.Generator``; images are ``H x W x 3 uint8
RGB``, masks ``H x W uint8`` 0/255.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from retouch.segment.skin.rules import rgb_rule

__all__ = ["AugmentSettings", "augment_pair", "mosaic", "negative_view", "random_view"]


@dataclass(frozen=True)
class AugmentSettings:
    scale: tuple[float, float] = (0.7, 1.4)  # zoom relative to "short side fills the crop"
    rotate: float = 15.0  # degrees, uniform in [-rotate, rotate]
    flip: bool = True
    color: float = 0.2  # brightness / contrast / saturation jitter
    white_balance: float = 0.08  # per-channel gain jitter
    blur: float = 0.2  # probability
    noise: float = 0.2  # probability
    jpeg: float = 0.3  # probability
    occluders: float = 0.3  # probability of 1-2 occluders
    mosaic: float = 0.0  # probability that a view is a 2x2 or 3x3 grid of smaller views
    negatives: float = 0.0  # probability that a view is a synthetic non-skin field


def _affine(h: int, w: int, size: int, rng: np.random.Generator, s: AugmentSettings) -> np.ndarray:
    zoom = size / min(h, w) * rng.uniform(*s.scale)
    angle = rng.uniform(-s.rotate, s.rotate)
    # Centre of the crop in the source, kept inside the image where the crop allows.
    half = size / (2 * zoom)
    cx = rng.uniform(min(half, w / 2), max(w - half, w / 2))
    cy = rng.uniform(min(half, h / 2), max(h - half, h / 2))
    m = cv2.getRotationMatrix2D((cx, cy), angle, zoom)
    m[:, 2] += (size / 2 - cx, size / 2 - cy)
    if s.flip and rng.random() < 0.5:
        m = np.array([[-1, 0, size - 1], [0, 1, 0]], np.float64) @ np.vstack([m, [0, 0, 1]])
    return m


def _photometric(img: np.ndarray, rng: np.random.Generator, s: AugmentSettings) -> np.ndarray:
    x = img.astype(np.float32) / 255
    gain = 1 + rng.uniform(-s.white_balance, s.white_balance, 3).astype(np.float32)
    x = x * gain * (1 + rng.uniform(-s.color, s.color))
    mean = x.mean()
    x = (x - mean) * (1 + rng.uniform(-s.color, s.color)) + mean
    gray = x.mean(axis=2, keepdims=True)
    x = gray + (x - gray) * (1 + rng.uniform(-s.color, s.color))
    if rng.random() < s.blur:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.5, 1.5))
    if rng.random() < s.noise:
        x = x + rng.normal(0, rng.uniform(0.01, 0.05), x.shape).astype(np.float32)
    out = (np.clip(x, 0, 1) * 255 + 0.5).astype(np.uint8)
    if rng.random() < s.jpeg:
        _ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 90))])
        out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)  # channel order is irrelevant here
    return out


def _occlude(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> None:
    size = img.shape[0]
    for _ in range(int(rng.integers(1, 3))):
        shape = np.zeros(mask.shape, np.uint8)
        centre = (int(rng.integers(0, size)), int(rng.integers(0, size)))
        axes = (int(rng.integers(size // 16, size // 4)), int(rng.integers(size // 16, size // 4)))
        cv2.ellipse(shape, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        colour = rng.integers(0, 256, 3).astype(np.float32)
        texture = rng.normal(0, rng.uniform(0, 30), img.shape).astype(np.float32)
        fill = np.clip(colour + texture, 0, 255).astype(np.uint8)
        img[shape > 0] = fill[shape > 0]
        mask[shape > 0] = 0


def augment_pair(
    image: np.ndarray,
    mask: np.ndarray,
    size: int,
    rng: np.random.Generator,
    settings: AugmentSettings = AugmentSettings(),
) -> tuple[np.ndarray, np.ndarray]:
    """A random ``size x size`` training view of ``image`` (H x W x 3 uint8) and ``mask``
    (H x W uint8 0/255). Returns copies; the inputs are not modified."""
    m = _affine(*image.shape[:2], size, rng, settings)
    img = cv2.warpAffine(
        image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    msk = cv2.warpAffine(
        mask, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    msk = np.where(msk > 127, 255, 0).astype(np.uint8)
    img = _photometric(img, rng, settings)
    if rng.random() < settings.occluders:
        _occlude(img, msk, rng)
    return img, msk


def _non_skin_colour(rng: np.random.Generator) -> np.ndarray:
    while True:
        if rng.random() < 0.4:  # greys: walls, paper, overcast sky
            c = np.clip(rng.integers(0, 256) + rng.integers(-8, 9, 3), 0, 255)
        else:
            c = rng.integers(0, 256, 3)
        if not rgb_rule(c.astype(np.uint8).reshape(1, 1, 3))[0, 0]:
            return c.astype(np.float32)


def negative_view(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic ``size x size`` field with no skin (empty mask): flat, a gradient or a
    blurred texture, in colours the Kovac RGB rule rejects. Teaches the network that
    a large even area is not skin by itself."""
    a, b = _non_skin_colour(rng), _non_skin_colour(rng)
    kind = int(rng.integers(0, 3))
    if kind == 0:
        img = np.broadcast_to(a, (size, size, 3)).copy()
    elif kind == 1:
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:size, 0:size] / max(1, size - 1)
        t = np.clip((np.cos(angle) * xx + np.sin(angle) * yy + 1) / 2, 0, 1)[..., None]
        img = a * (1 - t) + b * t
    else:
        noise = rng.normal(0, 1, (size, size)).astype(np.float32)
        noise = cv2.GaussianBlur(noise, (0, 0), rng.uniform(1, 8))
        noise /= noise.std() + 1e-6
        img = a + noise[..., None] * rng.uniform(5, 40)
    img = img + rng.normal(0, rng.uniform(0, 6), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), np.zeros((size, size), np.uint8)


def random_view(
    pairs: list[tuple[np.ndarray, np.ndarray]],
    index: int,
    size: int,
    rng: np.random.Generator,
    settings: AugmentSettings = AugmentSettings(),
) -> tuple[np.ndarray, np.ndarray]:
    """``augment_pair`` of ``pairs[index]``, or (with ``settings.negatives``) a negative."""
    if rng.random() < settings.negatives:
        return negative_view(size, rng)
    return augment_pair(*pairs[index], size, rng, settings)


def mosaic(
    pairs: list[tuple[np.ndarray, np.ndarray]],
    size: int,
    rng: np.random.Generator,
    settings: AugmentSettings = AugmentSettings(),
) -> tuple[np.ndarray, np.ndarray]:
    """A ``size x size`` grid of k x k views (k = 2 or 3) of random ``pairs``: people and
    skin at small scales, next to other photos' backgrounds, as in group photos."""
    k = int(rng.integers(2, 4))
    cell = size // k
    img = np.zeros((k * cell, k * cell, 3), np.uint8)
    msk = np.zeros((k * cell, k * cell), np.uint8)
    for n, i in enumerate(rng.integers(0, len(pairs), k * k)):
        y, x = divmod(n, k)
        view = random_view(pairs, int(i), cell, rng, settings)
        img[y * cell : (y + 1) * cell, x * cell : (x + 1) * cell] = view[0]
        msk[y * cell : (y + 1) * cell, x * cell : (x + 1) * cell] = view[1]
    if k * cell != size:
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)
        msk = cv2.resize(msk, (size, size), interpolation=cv2.INTER_NEAREST)
    return img, msk
