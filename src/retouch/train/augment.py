"""Augmentations for segmentation training: one random affine warp (scale, rotation,
flip, crop) applied to image and mask together, then photometric changes to the image
only (colour and white balance, blur, noise, JPEG artifacts) and random occluders that
also clear the mask where they cover it.

Skin-coloured things that are not skin (wood, brick, sand, pink or beige clothes) are
what a colour-led network gets wrong in real photos, and the training photos (faces,
belly close-ups) hardly show them. ``lookalike`` draws such surfaces procedurally, in
colours taken from the training skin itself; they appear as whole views, in mosaic
cells, as occluders and as the backdrop behind a photo's skin (``backdrops``).

Everything draws from an explicit ``np.random.Generator``; images are ``H x W x 3 uint8
RGB``, masks ``H x W uint8`` 0/255.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from retouch.segment.skin.rules import rgb_rule

__all__ = [
    "AugmentSettings",
    "augment_pair",
    "lookalike",
    "mosaic",
    "negative_view",
    "random_view",
    "skin_colour",
]


@dataclass(frozen=True)
class AugmentSettings:
    scale: tuple[float, float] = (0.7, 1.4)  # zoom relative to "short side fills the crop"
    rotate: float = 15.0  # degrees, uniform in [-rotate, rotate]
    flip: bool = True
    colour: float = 0.2  # brightness / contrast / saturation jitter
    white_balance: float = 0.08  # per-channel gain jitter
    blur: float = 0.2  # probability
    noise: float = 0.2  # probability
    jpeg: float = 0.3  # probability
    occluders: float = 0.3  # probability of 1-2 occluders
    mosaic: float = 0.0  # probability that a view is a 2x2 or 3x3 grid of smaller views
    negatives: float = 0.0  # probability that a view is a synthetic non-skin field
    lookalikes: float = 0.0  # share of negatives and occluders drawn as skin-coloured surfaces
    backdrops: float = 0.0  # probability that a photo's background becomes such a surface
    tones: float = 0.0  # probability that a view's skin is darkened (rare in the data)


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
    x = x * gain * (1 + rng.uniform(-s.colour, s.colour))
    mean = x.mean()
    x = (x - mean) * (1 + rng.uniform(-s.colour, s.colour)) + mean
    gray = x.mean(axis=2, keepdims=True)
    x = gray + (x - gray) * (1 + rng.uniform(-s.colour, s.colour))
    if rng.random() < s.blur:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.5, 1.5))
    if rng.random() < s.noise:
        x = x + rng.normal(0, rng.uniform(0.01, 0.05), x.shape).astype(np.float32)
    out = (np.clip(x, 0, 1) * 255 + 0.5).astype(np.uint8)
    if rng.random() < s.jpeg:
        _ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 90))])
        out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)  # channel order is irrelevant here
    return out


def _occlude(
    img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, texture: np.ndarray | None
) -> None:
    """1-2 random ellipses over ``img`` that clear ``mask``: noisy flat colour, or
    ``texture`` (same size as ``img``) where one is given."""
    size = img.shape[0]
    for _ in range(int(rng.integers(1, 3))):
        shape = np.zeros(mask.shape, np.uint8)
        centre = (int(rng.integers(0, size)), int(rng.integers(0, size)))
        axes = (int(rng.integers(size // 16, size // 4)), int(rng.integers(size // 16, size // 4)))
        cv2.ellipse(shape, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        if texture is None:
            colour = rng.integers(0, 256, 3).astype(np.float32)
            noise = rng.normal(0, rng.uniform(0, 30), img.shape).astype(np.float32)
            fill = np.clip(colour + noise, 0, 255).astype(np.uint8)
        else:
            fill = texture
        img[shape > 0] = fill[shape > 0]
        mask[shape > 0] = 0


def _darken_skin(img: np.ndarray, msk: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``img`` with the skin under ``msk`` darker (x 0.3-0.75) and browner, shading and
    texture kept (a gain, not a new colour), blended over a soft mask edge."""
    gain = rng.uniform(0.3, 0.75) * np.array(
        [1.0, rng.uniform(0.85, 0.97), rng.uniform(0.72, 0.92)], np.float32
    )
    alpha = cv2.GaussianBlur(msk.astype(np.float32) / 255, (0, 0), 1.0)[..., None]
    out = img.astype(np.float32) * (1 + alpha * (gain - 1))
    return (out + 0.5).astype(np.uint8)


def augment_pair(
    image: np.ndarray,
    mask: np.ndarray,
    size: int,
    rng: np.random.Generator,
    settings: AugmentSettings = AugmentSettings(),
    skin: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A random ``size x size`` training view of ``image`` (H x W x 3 uint8) and ``mask``
    (H x W uint8 0/255). Returns copies; the inputs are not modified. ``skin`` (an RGB
    colour) lets occluders be skin-coloured lookalike surfaces (``settings.lookalikes``)."""
    m = _affine(*image.shape[:2], size, rng, settings)
    img = cv2.warpAffine(
        image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    msk = cv2.warpAffine(
        mask, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    msk = np.where(msk > 127, 255, 0).astype(np.uint8)
    if settings.tones and rng.random() < settings.tones and msk.any():
        img = _darken_skin(img, msk, rng)
    img = _photometric(img, rng, settings)
    if rng.random() < settings.occluders:
        texture = None
        if skin is not None and rng.random() < settings.lookalikes:
            texture = lookalike(size, rng, skin)
        _occlude(img, msk, rng, texture)
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


def _field(size: int, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Smooth random field, zero mean, unit standard deviation."""
    f = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), sigma)
    return (f - f.mean()) / (f.std() + 1e-6)


def _wood(size: int, rng: np.random.Generator, v: np.ndarray) -> np.ndarray:
    """Growth rings bent by a smooth field, with grain streaks along them; in [0, 1]."""
    warp = _field(size, rng, size / 6) * rng.uniform(2, 12)
    period = size / rng.uniform(3, 14)
    rings = np.sin(2 * np.pi * (v + warp) / period)
    grain = np.interp(v, np.linspace(v.min(), v.max(), size * 2), rng.normal(0, 1, size * 2))
    return np.clip(0.5 + 0.35 * rings + 0.12 * grain, 0, 1)


def _brick(size: int, rng: np.random.Generator, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Staggered bricks (0.75-1.1 each, jittered) in mortar (value 2: drawn lighter)."""
    h = rng.uniform(size / 14, size / 4)
    w = h * rng.uniform(1.8, 3.2)
    m = max(1.0, h * rng.uniform(0.06, 0.18))
    vv = v - v.min()
    row = np.floor(vv / h).astype(int)
    uu = u - u.min() + (row % 2) * w / 2
    col = np.floor(uu / w).astype(int)
    shade = rng.uniform(0.75, 1.1, (row.max() + 1, col.max() + 1))[row, col]
    out = shade * (1 + 0.06 * _field(size, rng, 0.8))
    mortar = (vv % h < m) | (uu % w < m)
    return np.where(mortar, 2.0, out).astype(np.float32)


def lookalike(size: int, rng: np.random.Generator, skin: np.ndarray) -> np.ndarray:
    """A ``size x size`` uint8 RGB surface that is not skin but has skin's colour
    (``skin``, RGB, jittered): wood, brick, sand or stone, folded cloth (plain, striped
    or checked). Returns the image only; its mask is empty."""
    base = np.asarray(skin, np.float32) * rng.uniform(0.85, 1.15, 3) * rng.uniform(0.65, 1.2)
    other = (
        base * rng.uniform(0.5, 0.85)
        if rng.random() < 0.5
        else rng.integers(0, 256, 3).astype(np.float32)
    )
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    kind = int(rng.integers(0, 4))
    if kind == 0:  # wood
        t = _wood(size, rng, v)[..., None]
        img = base * (1 - t) + base * rng.uniform(0.45, 0.8) * t
    elif kind == 1:  # brick in mortar
        t = _brick(size, rng, u, v)[..., None]
        mortar = np.full(3, rng.uniform(120, 230), np.float32)
        img = np.where(t > 1.5, mortar, base * t)
    elif kind == 2:  # sand, stone, carpet: a few octaves of noise
        t = sum(w * _field(size, rng, s) for w, s in ((0.5, 0.7), (0.3, 2.5), (0.3, size / 10)))
        img = base * (1 + rng.uniform(0.15, 0.35) * t[..., None])
    else:  # cloth: plain, stripes or checks, shaded by folds
        period = size / rng.uniform(4, 20)
        stripes = np.sin(2 * np.pi * u / period) > 0
        pattern = [np.zeros_like(stripes), stripes, stripes ^ (np.sin(2 * np.pi * v / period) > 0)]
        img = np.where(pattern[int(rng.integers(0, 3))][..., None], other, base)
        folds = np.abs(np.sin(2 * np.pi * (u + 8 * _field(size, rng, size / 8)) / (size / 2)))
        shade = 0.75 + 0.3 * folds + 0.1 * _field(size, rng, size / 12)
        img = img * shade[..., None]
    img = img + rng.normal(0, rng.uniform(1, 6), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def skin_colour(pairs: list[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator) -> np.ndarray:
    """The RGB colour of a random skin pixel of a random training pair."""
    for _ in range(8):
        image, mask = pairs[int(rng.integers(0, len(pairs)))]
        ys, xs = np.nonzero(mask)
        if len(ys):
            k = int(rng.integers(0, len(ys)))
            return image[ys[k], xs[k]].astype(np.float32)
    return np.array([200, 150, 125], np.float32)  # no skin in the pairs drawn


def _backdrop(
    img: np.ndarray, msk: np.ndarray, rng: np.random.Generator, surface: np.ndarray
) -> np.ndarray:
    """``img`` with everything farther than a few pixels from its skin replaced by
    ``surface`` (a soft edge): skin seen in front of skin-coloured things."""
    size = img.shape[0]
    r = max(1, int(size * rng.uniform(0.03, 0.12)))
    keep = cv2.dilate(msk, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    alpha = cv2.GaussianBlur(keep.astype(np.float32) / 255, (0, 0), r / 3 + 0.5)[..., None]
    return (img * alpha + surface * (1 - alpha) + 0.5).astype(np.uint8)


def random_view(
    pairs: list[tuple[np.ndarray, np.ndarray]],
    index: int,
    size: int,
    rng: np.random.Generator,
    settings: AugmentSettings = AugmentSettings(),
) -> tuple[np.ndarray, np.ndarray]:
    """``augment_pair`` of ``pairs[index]`` (perhaps before a lookalike backdrop), or
    (with ``settings.negatives``) a view with no skin: a lookalike or a plain field."""
    skin = skin_colour(pairs, rng) if settings.lookalikes or settings.backdrops else None
    if rng.random() < settings.negatives:
        if skin is not None and rng.random() < settings.lookalikes:
            return lookalike(size, rng, skin), np.zeros((size, size), np.uint8)
        return negative_view(size, rng)
    img, msk = augment_pair(*pairs[index], size, rng, settings, skin)
    if skin is not None and rng.random() < settings.backdrops and msk.any():
        img = _backdrop(img, msk, rng, lookalike(size, rng, skin_colour(pairs, rng)))
    return img, msk


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
