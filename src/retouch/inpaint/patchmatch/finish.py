"""Finishing steps after a fill: grain that matches the surroundings, a border without seams.

A patch vote averages the patches that cover a pixel, so the fill keeps only part of
the surroundings' grain (film grain, sensor noise), and its brightness can drift from
the known pixels along the border (a seam). Both steps work on any filled image:

- ``restore_grain`` adds real grain (the residual of the source pixels the
  nearest-neighbour field points to) or, without such a field, seeded Gaussian noise,
  scaled so that the fill's grain, its own and the added, matches a ring around the hole.
- ``blend_border`` adds a smooth offset field (a membrane: harmonic inside the hole)
  that cancels the difference between the fill and the known pixels along the border.

Images are H x W x C float32 on the 0-255 scale the fill works on; holes are H x W
bool. Pixels outside the hole are returned unchanged.
"""

from __future__ import annotations

import cv2
import numpy as np
from numba import njit

__all__ = ["blend_border", "restore_grain"]

GRAIN_SIGMA = 1.0  # the Gaussian blur that separates grain (the residual) from the picture
RING_PX = 8  # width of the ring of known pixels whose grain the fill is made to match
MAX_GAIN = 3.0  # at most this gain on real grain (a strong edge is not grain)
PIECES_SHARE = 0.7  # blend piece by piece when their boxes cover less than this of the whole
GAIN_STEPS = 12  # bisection steps for the grain's gain (2^-12 of its range)
SIGMA_SAMPLE = 1 << 15  # robust sigmas of more values than this use an even sample
BORDER_SIGMA = 2.0  # the bands on each side of the border whose means are compared
ALONG_SIGMA = 8.0  # the offsets are smoothed along the border over this many pixels
MAX_STEP = 40.0  # a larger border difference (levels of 255) is another object, not a seam
SCREEN_PX = 24.0  # the offset fades over about this many pixels from the border (0: never)
COARSE_SIDE = 16  # the membrane is solved coarse to fine from about this size
JACOBI = (200, 40, 10)  # Jacobi sweeps at the coarsest level, each finer one, the finest


def restore_grain(
    image: np.ndarray,
    hole: np.ndarray,
    *,
    sources: np.ndarray | None = None,
    strength: float = 1.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Give the fill in ``hole`` the grain of the known pixels around it.

    Parameters
    ----------
    image : H x W x C float32, any scale; a filled image.
    hole : H x W bool, True = filled pixels (the only ones changed).
    sources : optional N x 2 int (y, x) of a known pixel per hole pixel, in
        ``np.nonzero(hole)`` order; its residual becomes that pixel's grain (real grain).
        Without it, Gaussian noise from ``rng`` is added instead.
    strength : the fill's grain as a fraction of the ring's (1 = the same).
    rng : the generator for the noise (required when ``sources`` is None).

    Returns
    -------
    H x W x C float32: the fill + a gain x the grain layer, the gain chosen so that the
    fill's grain and the added grain together match the ring's (the fill's own fine
    detail, such as a texture copied faithfully, is kept; nothing is added where the
    fill already has the ring's grain, or where the ring has none).

    >>> img = np.random.default_rng(0).normal(128, 8, (48, 48, 3)).astype(np.float32)
    >>> hole = np.zeros((48, 48), bool); hole[16:32, 16:32] = True; img[hole] = 128
    >>> out = restore_grain(img, hole, rng=np.random.default_rng(1))
    >>> bool(out[hole].std() > 4)
    True
    """
    hole = _check(image, hole)
    out = image.copy()
    if not hole.any() or strength <= 0:
        return out
    if sources is None and rng is None:
        raise ValueError("restore_grain needs sources (N x 2) or an rng for synthetic grain")
    # Everything but the source residuals is worked out in a window around the hole
    # (the ring, the blurs' reach): a thin stroke across a large photo costs its window.
    y0, x0, y1, x1 = _box(hole, RING_PX + 2 * _REACH + 1)
    win = hole[y0:y1, x0:x1]
    ys, xs = np.nonzero(win)
    if sources is not None:
        src = np.asarray(sources)
        if src.shape != (ys.size, 2):
            raise ValueError(f"sources must be {ys.size} x 2 (one per hole pixel), got {src.shape}")
        residual, (ry, rx) = _highpass_around(image, (y0, x0, y1, x1), src)
        picked = residual[src[:, 0] - ry, src[:, 1] - rx]
        residual = residual[y0 - ry : y1 - ry, x0 - rx : x1 - rx]
    else:
        residual = _highpass_around(image, (y0, x0, y1, x1), None)[0]
        picked = rng.standard_normal((ys.size, image.shape[2])).astype(np.float32)
    layer = np.zeros_like(residual)
    layer[ys, xs] = picked
    inner = _inner(win)
    fine = _luma(residual)  # = the highpass of the luma: both are linear
    target = strength * _robust_sigma(fine[_ring(win)])
    top = MAX_GAIN if sources is not None else np.inf  # real grain is on the picture's scale
    grain = _highpass(_luma(layer)[..., None])[..., 0]  # one channel: luma first
    gain = _gain(fine[inner], grain[inner], target, top)  # ``out`` is still ``image``
    out[y0:y1, x0:x1][win] += gain * picked
    return out


_REACH = int(np.ceil(4 * GRAIN_SIGMA))  # the radius of the grain blur's kernel


def _highpass_around(image, box, sources):
    """(``_highpass(image)`` over the box covering ``box`` and the ``sources`` (N x 2
    y, x), that box's top-left (y, x))."""
    y0, x0, y1, x1 = box
    if sources is not None and len(sources):
        y0, x0 = min(y0, int(sources[:, 0].min())), min(x0, int(sources[:, 1].min()))
        y1, x1 = max(y1, int(sources[:, 0].max()) + 1), max(x1, int(sources[:, 1].max()) + 1)
    return _highpass_edges(image, (y0, x0, y1, x1)), (y0, x0)


def _highpass_edges(image, box):
    """``_highpass(image)[box]``, computed on the box and the ``_REACH`` pixels around it
    that the blur reads (reflected only at the image's own edge, as for the whole)."""
    y0, x0, y1, x1 = box
    h, w = image.shape[:2]
    top, left = min(_REACH, y0), min(_REACH, x0)
    bottom, right = min(_REACH, h - y1), min(_REACH, w - x1)
    part = image[y0 - top : y1 + bottom, x0 - left : x1 + right]
    return _highpass(part)[top : top + y1 - y0, left : left + x1 - x0]


def _gain(have: np.ndarray, layer: np.ndarray, target: float, top: float) -> float:
    """The g >= 0 for which ``have + g * layer`` has the robust sigma ``target``, at most
    ``top``; 0 if ``have`` has that much already. Bisection: real grain copied from the
    fill's own sources is correlated with the fill's detail, so the two do not add in
    quadrature. ``have``, ``layer``: the fine detail (luma residual) of the fill's inner
    pixels and of the grain layer there."""
    if _robust_sigma(have) >= target:
        return 0.0
    unit = _robust_sigma(layer)
    if unit <= 0:
        return 0.0
    hi = min(top, 4.0 * target / unit)  # the layer alone already overshoots beyond this
    if _robust_sigma(have + hi * layer) <= target:
        return float(hi)
    lo = 0.0
    for _ in range(GAIN_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _robust_sigma(have + mid * layer) < target else (lo, mid)
    return 0.5 * (lo + hi)


def blend_border(
    image: np.ndarray, hole: np.ndarray, *, sources: np.ndarray | None = None, radius: int = 3
) -> np.ndarray:
    """Shift the fill in ``hole`` by a smooth field so it meets the known pixels.

    Along the border, the offset is what the known pixels are minus what the fill
    puts there: with ``sources``, the mean of what the patches centred on the hole
    pixels nearby copy onto each border pixel (a texture or an edge the fill
    continues asks for no offset); without, the mean of the fill just inside
    (a Gaussian band of ``BORDER_SIGMA``) against the known pixels just outside. The
    offsets are smoothed along the border, after those larger than ``MAX_STEP`` (an
    object the hole touches, not a seam) are set to 0; inside the hole it is a membrane
    with those border values, screened so it fades over about ``SCREEN_PX`` pixels
    toward the middle of a large hole.

    Parameters
    ----------
    image : H x W x C float32, 0 to 255; a filled image.
    hole : H x W bool, True = filled pixels (the only ones changed).
    sources : optional N x 2 int (y, x), in ``np.nonzero(hole)`` order: the centre of
        the source patch copied to each hole pixel (``complete_with_sources``).
    radius : half the side of those patches.

    Returns
    -------
    H x W x C float32.

    >>> img = np.full((32, 32, 3), 100, np.float32)
    >>> hole = np.zeros((32, 32), bool); hole[8:24, 8:24] = True; img[hole] += 30
    >>> edge = hole & ~np.pad(np.ones((14, 14), bool), 9)  # the hole's outer pixels
    >>> float(np.abs(blend_border(img, hole)[edge] - 100).max()) < 3
    True
    """
    hole = _check(image, hole)
    out = image.copy()
    if not hole.any() or hole.all():
        return out
    src = None
    if sources is not None:
        src = np.asarray(sources)
        if src.shape != (np.count_nonzero(hole), 2):
            raise ValueError(f"sources must be one (y, x) per hole pixel, got {src.shape}")
    margin = int(3 * max(BORDER_SIGMA, ALONG_SIGMA)) + radius + 2
    for box, part, part_src in _parts(hole, src, margin):
        _blend_box(image, out, hole, box, part, part_src, radius)
    return out


def _parts(hole: np.ndarray, src: np.ndarray | None, margin: int):
    """(box, hole part in the box, its sources) for each connected piece of ``hole``
    when their boxes (with ``margin``) cover less than the whole hole's box (thin strokes
    across a large photo), else the whole hole once. Inside a piece the membrane only
    depends on that piece's border, so solving piece by piece changes nothing but the
    area solved over."""
    whole = _box(hole, margin)
    area = (whole[2] - whole[0]) * (whole[3] - whole[1])
    n, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    h, w = hole.shape
    boxes = [
        (max(0, y - margin), max(0, x - margin), min(h, y + bh + margin), min(w, x + bw + margin))
        for x, y, bw, bh in stats[1:, :4]
    ]
    if n <= 2 or sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes) >= PIECES_SHARE * area:
        yield whole, hole[whole[0] : whole[2], whole[1] : whole[3]], src
        return
    order = labels[hole]  # each hole pixel's piece, in np.nonzero(hole) order
    by_piece = np.argsort(order, kind="stable")  # keeps that order within each piece
    ends = np.cumsum(stats[1:, cv2.CC_STAT_AREA])
    for k, (y0, x0, y1, x1) in enumerate(boxes, start=1):
        part = labels[y0:y1, x0:x1] == k
        mine = by_piece[ends[k - 1] - stats[k, cv2.CC_STAT_AREA] : ends[k - 1]]
        yield (y0, x0, y1, x1), part, None if src is None else src[mine]


def _blend_box(image, out, hole, box, part, src, radius) -> None:
    """``blend_border`` for the hole pixels ``part`` (bool, the size of ``box``)."""
    y0, x0, y1, x1 = box
    img = image[y0:y1, x0:x1]
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    ring = (cv2.dilate(part.astype(np.uint8), cross) > 0) & ~part
    if src is None:
        known = ~hole[y0:y1, x0:x1]
        diff = _masked_blur(img, known, BORDER_SIGMA) - _masked_blur(img, part, BORDER_SIGMA)
    else:
        diff = np.zeros_like(img)
        diff[ring] = img[ring] - _copied_onto(image, part, ring, src, radius)
    at = np.nonzero(ring)
    step = diff[at]
    step[np.abs(step).max(axis=1) > MAX_STEP] = 0  # leave the fill as it is there
    diff[at] = step
    offset = _membrane(_ring_blur(diff, ring, ALONG_SIGMA), ring)
    out[y0:y1, x0:x1][part] += offset[part]


def _copied_onto(image, hole, ring, sources, radius):
    """For each ``ring`` pixel (crop coordinates, in ``np.nonzero`` order), the mean of
    what the source patches of the ``hole`` pixels within ``radius`` copy onto it.
    ``sources`` are in ``image`` coordinates (source patches lie wholly in known pixels)."""
    h, w = hole.shape
    src = np.full((h, w, 2), -1, np.int64)
    src[hole] = sources
    qy, qx = np.nonzero(ring)
    return _copied_kernel(image, hole, src, qy, qx, radius)  # every ring pixel touches the hole


@njit(cache=True, nogil=True)
def _copied_kernel(image, hole, src, qy, qx, radius):
    h, w = hole.shape
    ih, iw, nc = image.shape
    out = np.zeros((qy.size, nc), np.float32)
    for k in range(qy.size):
        count = 0
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                py = qy[k] + dy
                px = qx[k] + dx
                if 0 <= py < h and 0 <= px < w and hole[py, px]:
                    # A source shifted off a searched grid patch can reach past the edge.
                    sy = min(max(src[py, px, 0] - dy, 0), ih - 1)
                    sx = min(max(src[py, px, 1] - dx, 0), iw - 1)
                    for c in range(nc):
                        out[k, c] += image[sy, sx, c]
                    count += 1
        for c in range(nc):
            out[k, c] /= max(count, 1)
    return out


def _check(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    if image.ndim != 3 or image.dtype != np.float32:
        raise ValueError(f"image must be H x W x C float32, got {image.dtype} {image.shape}")
    if hole.shape != image.shape[:2]:
        raise ValueError(f"hole must be {image.shape[:2]} like the image, got {hole.shape}")
    return hole.astype(bool)


def _highpass(img: np.ndarray) -> np.ndarray:
    blur = cv2.GaussianBlur(img, (0, 0), GRAIN_SIGMA, borderType=cv2.BORDER_REFLECT_101)
    return img - blur.reshape(img.shape)


def _luma(img: np.ndarray) -> np.ndarray:
    if img.shape[2] == 3:
        return img @ np.array([0.299, 0.587, 0.114], np.float32)
    return img.mean(axis=2)


def _robust_sigma(values: np.ndarray) -> float:
    """1.4826 x the median absolute deviation: the sigma of the noise, edges ignored.
    Of a large set, an evenly spaced ``SIGMA_SAMPLE`` of it: the gain's bisection takes
    about 15 of these, each two partitions of up to a million values at 1 MP, and on the
    dev photos' residuals the sample's sigma is within 1.2 % of the whole set's."""
    if not values.size:
        return 0.0
    values = values.ravel()[:: max(1, values.size // SIGMA_SAMPLE)]
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def _ring(hole: np.ndarray) -> np.ndarray:
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * RING_PX + 1, 2 * RING_PX + 1))
    ring = (cv2.dilate(hole.astype(np.uint8), disk) > 0) & ~hole
    return ring if ring.any() else ~hole


def _inner(hole: np.ndarray) -> np.ndarray:
    """Hole pixels whose residual sees (almost) only the fill; the hole if none are."""
    k = 2 * int(np.ceil(2 * GRAIN_SIGMA)) + 1
    inner = cv2.erode(hole.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    return inner if np.count_nonzero(inner) >= 64 else hole


def _box(hole: np.ndarray, margin: int) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(hole)
    h, w = hole.shape
    return (
        max(0, ys.min() - margin),
        max(0, xs.min() - margin),
        min(h, ys.max() + margin + 1),
        min(w, xs.max() + margin + 1),
    )


def _masked_blur(img: np.ndarray, where: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian mean of ``img`` over the pixels of ``where`` only."""
    weight = where.astype(np.float32)
    total = cv2.GaussianBlur(img * weight[..., None], (0, 0), sigma).reshape(img.shape)
    norm = cv2.GaussianBlur(weight, (0, 0), sigma)
    return total / np.maximum(norm, 1e-6)[..., None]


def _ring_blur(img: np.ndarray, ring: np.ndarray, sigma: float) -> np.ndarray:
    """``_masked_blur(img, ring, sigma)``, correct on the ``ring`` pixels only (zero
    elsewhere), computed at a quarter of the resolution: the blur is wide and smooth."""
    factor = max(1, int(sigma // 2))
    h, w = ring.shape
    if factor == 1 or min(h, w) < 8 * factor:
        return _masked_blur(img, ring, sigma) * ring[..., None]
    size = (-(-w // factor), -(-h // factor))
    weight = ring.astype(np.float32)
    total = cv2.resize(img * weight[..., None], size, interpolation=cv2.INTER_AREA)
    norm = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
    small = sigma / factor
    total = cv2.GaussianBlur(total.reshape(size[1], size[0], -1), (0, 0), small)
    norm = cv2.GaussianBlur(norm, (0, 0), small)
    mean = total.reshape(size[1], size[0], -1) / np.maximum(norm, 1e-6)[..., None]
    full = cv2.resize(mean, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
    return full * ring[..., None]


def _membrane(values: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """The function equal to ``values`` on ``fixed`` that elsewhere solves the screened
    Poisson equation ``laplacian(f) = f / SCREEN_PX**2`` (harmonic when SCREEN_PX is 0;
    zero normal derivative at the image edge): Jacobi sweeps, coarse to fine."""
    levels = [(values * fixed[..., None], fixed.astype(np.float32))]
    while min(levels[-1][1].shape) > 2 * COARSE_SIDE:
        total, count = levels[-1]
        size = ((count.shape[1] + 1) // 2, (count.shape[0] + 1) // 2)
        small = cv2.resize(total, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], -1)
        levels.append((small, cv2.resize(count, size, interpolation=cv2.INTER_AREA)))
    field = np.broadcast_to(values[fixed].mean(axis=0), levels[-1][0].shape).copy()
    for depth, (total, count) in enumerate(reversed(levels)):
        h, w = count.shape
        spacing = 2.0 ** (len(levels) - 1 - depth)  # this level's pixel, in full-size pixels
        screen = (spacing / SCREEN_PX) ** 2 if SCREEN_PX else 0.0
        kernel = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.float32) / (4 + screen)
        if field.shape[:2] != (h, w):
            field = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
        at = np.flatnonzero(count > 0)  # flat indices: faster than a boolean mask
        value = total.reshape(-1, total.shape[2])[at] / count.ravel()[at, None]
        finest = depth == len(levels) - 1
        for _ in range(JACOBI[0] if depth == 0 else JACOBI[2] if finest else JACOBI[1]):
            field.reshape(-1, field.shape[2])[at] = value
            field = cv2.filter2D(field, -1, kernel, borderType=cv2.BORDER_REPLICATE)
            field = field.reshape(h, w, -1)
        field.reshape(-1, field.shape[2])[at] = value
    return field
