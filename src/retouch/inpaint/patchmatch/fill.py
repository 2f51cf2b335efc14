"""Multi-scale exemplar-based completion (Wexler et al. 2007) with a PatchMatch NNF
(Barnes et al. 2009): the algorithm behind Content-Aware Fill and Resynthesizer.

Coarse to fine, each level alternates (E) nearest-neighbour search of every
patch that touches the hole among the valid source patches, and (M) a weighted
vote of the matched patches for each hole pixel. The coarsest level starts from
an onion peel (the hole filled from its border inward); each finer level starts
from the coarser level's nearest-neighbour field, doubled, so structure found at
low resolution is kept and texture is refined at full resolution.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass

import cv2
import numba
import numpy as np

from retouch.core.cancel import check_cancelled
from retouch.core.errors import InputError
from retouch.inpaint.patchmatch import _kernels as K
from retouch.inpaint.patchmatch.structure import structure_guide

__all__ = ["PatchMatchSettings", "complete", "complete_with_sources"]

PEEL_TRIES = 300
NOISE_SIGMA = 1.5  # the grain that ``init="diffuse"`` adds to its smooth first fill
# Pixel comparisons per kernel call (targets x patch area): each call then lasts well
# under 0.5 s, and cancellation is checked between calls. Splitting never changes results.
CALL_WORK = 1 << 22
# The voting weights' sigma is a percentile of at most about this many targets' costs,
# evenly spaced (a photo's hole has up to millions; the percentile moves by well under 1 %).
COST_SAMPLE = 1 << 16
# Kernels run without the GIL, so two threads (the server's workers) can run them at once.
# numba's fallback "workqueue" threading layer aborts the process if they do (tbb and omp,
# the usual ones, are thread-safe): under it, kernel calls take turns.
_KERNEL_LOCK = threading.Lock()
_NO_PEN = np.zeros((1, 1), np.float32)  # the kernels' source penalty: none
_take_turns: bool | None = None  # known after the first parallel kernel has run


@dataclass(frozen=True)
class PatchMatchSettings:
    patch_size: int = 7
    em_coarse: int = 6  # EM iterations at the coarsest level ...
    em_fine: int = 1  # ... decreasing linearly to this at full resolution
    search_iters: int = 1  # PatchMatch sweeps per EM iteration (one more on the first)
    max_levels: int = 10
    sigma_percentile: float = 97.0  # voting weights: exp(-d / 2 sigma^2), sigma^2 = this pct
    fine_radius: int = 32  # random-search radius below the coarsest level (0: whole image)
    fine_stride: int = 2  # below the coarsest level, search patches centred on this grid
    min_size: int = 140  # the coarsest level keeps at least this many pixels on its short side
    init: str = "peel"  # the coarsest level's first fill: "peel" (onion peel) or "diffuse"
    guide: float = 0.3  # weight of the smooth guide in the coarsest patch distance (0: none)
    lines: bool = True  # the guide continues straight edges across the hole
    near: float = 0.0  # coarsest level: the cost of a source far from the hole (_locality)
    seed: int = 0


@dataclass
class _Level:
    img: np.ndarray  # padded float32 (H+2r, W+2r, C)
    hole: np.ndarray  # unpadded bool (H, W)
    source: np.ndarray  # unpadded bool (H, W): where source patches may be centred
    guide: np.ndarray | None = None  # padded float32 (H+2r, W+2r, C): img's extra channels
    # padded float32 (H+2r, W+2r): each source centre's extra cost; 1 x 1 for none
    pen: np.ndarray = dataclasses.field(default_factory=lambda: _NO_PEN)


def complete(
    image: np.ndarray, hole: np.ndarray, source: np.ndarray, settings: PatchMatchSettings
) -> np.ndarray:
    """Fill ``hole`` of ``image`` (H x W x C float32, any scale) from patches in ``source``.

    ``hole`` and ``source`` are H x W bool. Returns the completed float32 image;
    pixels outside ``hole`` are returned unchanged.
    """
    return complete_with_sources(image, hole, source, settings)[0]


def complete_with_sources(
    image: np.ndarray, hole: np.ndarray, source: np.ndarray, settings: PatchMatchSettings
) -> tuple[np.ndarray, np.ndarray]:
    """``complete``, and where each hole pixel's patch came from at full resolution.

    Returns the completed image and an N x 2 int32 array (N = hole pixels, in
    ``np.nonzero(hole)`` order): the (y, x) of the known pixel at the centre of the
    source patch the finest nearest-neighbour field matched to the patch centred on it.
    """
    if not hole.any():
        return image.copy(), np.zeros((0, 2), np.int32)
    r = settings.patch_size // 2
    check_cancelled()
    if not _valid_centres(hole, source, r).any():
        raise InputError(
            f"no {2 * r + 1}x{2 * r + 1} patch fits in the source area outside the mask; "
            "paint a smaller mask, allow a larger source area or use a smaller patch_size"
        )
    check_cancelled()
    levels = _pyramid(image, hole, source, r, settings.max_levels, settings.min_size)
    nnf = None
    top = len(levels) - 1
    for depth, level in enumerate(reversed(levels)):
        check_cancelled()
        frac = depth / top if top else 0.0  # a single level is the coarsest level
        n_em = round(settings.em_coarse + frac * (settings.em_fine - settings.em_coarse))
        seed = settings.seed * 1009 + depth * 101
        if nnf is None:
            if settings.init == "diffuse":
                _diffuse_fill(level, r, seed)
            if settings.guide > 0:
                _add_guide(level, r, settings.guide, settings.lines)
            if settings.near > 0:
                level.pen = _locality(level, r, settings.near)
            if settings.init != "diffuse":
                _initial_fill(level, r, seed)
        nnf = _solve_level(level, nnf, r, n_em, settings, seed)
        _drop_guide(level)
    out = image.copy()
    out[hole] = _unpad(levels[0].img, r)[hole]
    hy, hx = (a + r for a in np.nonzero(hole))
    return out, np.stack([nnf[0][hy, hx] - r, nnf[1][hy, hx] - r], axis=1)


def _pyramid(image, hole, source, r, max_levels, min_size) -> list[_Level]:
    """Levels from full resolution down until the hole is about a patch wide."""
    widest = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max()
    n = max(1, min(max_levels, 1 + math.ceil(math.log2(max(widest, 1) / (2 * r + 1)))))
    imgs, holes, sources = [image.astype(np.float32)], [hole], [source]
    for _ in range(n - 1):
        check_cancelled()
        h, w = holes[-1].shape
        if min(h, w) < 2 * min_size:
            break
        img, hl, src = _downsample(imgs[-1], holes[-1], sources[-1])
        if np.count_nonzero(_valid_centres(hl, src, r)) < 64:
            break
        imgs.append(img)
        holes.append(hl)
        sources.append(src)
    return [_Level(_pad(i, r), h, s) for i, h, s in zip(imgs, holes, sources, strict=True)]


def _downsample(img, hole, source):
    h, w = hole.shape
    size = ((w + 1) // 2, (h + 1) // 2)
    known = (~hole).astype(np.float32)
    total = cv2.resize(img * known[..., None], size, interpolation=cv2.INTER_AREA)
    weight = cv2.resize(known, size, interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    if total.ndim == 2:
        total = total[..., None]
    small = total / np.maximum(weight, 1e-6)[..., None]
    small_src = cv2.resize(source.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.99
    return small.astype(np.float32), small_hole, small_src


def _pad(img, r):
    return cv2.copyMakeBorder(img, r, r, r, r, cv2.BORDER_REFLECT_101).reshape(
        img.shape[0] + 2 * r, img.shape[1] + 2 * r, -1
    )


def _unpad(img, r):
    return img[r:-r, r:-r] if r else img


def _valid_centres(hole, source, r):
    """Centres of patches that lie inside the image, touch no hole pixel, centre in source."""
    k = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    free = cv2.dilate(hole.astype(np.uint8), k) == 0
    inside = np.zeros_like(free)
    inside[r : hole.shape[0] - r, r : hole.shape[1] - r] = True
    return free & inside & source


def _add_guide(level: _Level, r: int, weight: float, lines: bool) -> None:
    """Append the structure guide (``structure.py``) to the level's channels, times
    ``weight``: patch distances then compare it too, so the fill keeps to what the
    surroundings predict and to the continued edges. The guide stays fixed in the hole
    (copies and votes do not change it)."""
    check_cancelled()
    guide = structure_guide(_unpad(level.img, r), level.hole, lines=lines)
    level.guide = _pad(guide * np.float32(weight), r)
    level.img = np.ascontiguousarray(np.concatenate([level.img, level.guide], axis=2))


def _drop_guide(level: _Level) -> None:
    if level.guide is not None:
        level.img = np.ascontiguousarray(level.img[..., : -level.guide.shape[2]])
        level.guide = None


NEAR_FREE = 1.0  # sources within this many hole radii of the hole cost nothing extra
NEAR_FLOOR = 2  # the hole radius of the locality cost is at least this many patch widths


def _locality(level: _Level, r: int, near: float) -> np.ndarray:
    """Padded-frame cost of each source centre for its distance d from the hole: that of
    a patch whose every value differs by ``near * (d / R - NEAR_FREE)`` levels (none
    within ``NEAR_FREE * R``), R the hole's widest radius (at least ``NEAR_FLOOR`` patch
    widths). Content near the hole is preferred to a distant region that fits a little
    better (a blurred background, an object across the photo)."""
    hole = level.hole.astype(np.uint8)
    d = cv2.distanceTransform(1 - hole, cv2.DIST_L2, 3)
    widest = max(float(cv2.distanceTransform(hole, cv2.DIST_L2, 3).max()), NEAR_FLOOR * (2 * r + 1))
    per_value = (near * np.maximum(d / widest - NEAR_FREE, 0.0)) ** 2
    return _pad((per_value * (2 * r + 1) ** 2 * 3).astype(np.float32)[..., None], r)[..., 0]


def _keep_guide(level: _Level, ys: np.ndarray, xs: np.ndarray) -> None:
    """Put the guide back at padded (ys, xs) after patches were copied or voted there."""
    if level.guide is not None:
        level.img[ys, xs, -level.guide.shape[2] :] = level.guide[ys, xs]


def _initial_fill(level: _Level, r: int, seed: int) -> None:
    """Coarsest level: onion peel. Layer by layer from the hole's border inward, each
    pixel copies the centre of the source patch that best matches its known pixels."""
    hole = level.hole.copy()
    known = _pad((~hole).astype(np.float32), r)[..., 0] > 0.5
    valid = _valid_centres(hole, level.source, r)
    sy, sx = (a.astype(np.int32) + r for a in np.nonzero(valid))
    src_ok = np.pad(valid, r)
    mny = np.full(known.shape, -1, np.int32)
    mnx = mny.copy()
    radius = max(hole.shape)
    ring = np.ones((3, 3), np.uint8)
    layer = 0
    while hole.any():
        check_cancelled()
        border = hole & (cv2.dilate((~hole).astype(np.uint8), ring) > 0)
        if not border.any():
            border = hole
        ty, tx = (a.astype(np.int32) + r for a in np.nonzero(border))
        args = (
            level.img,
            known,
            src_ok,
            level.pen,
            sy,
            sx,
            ty,
            tx,
            mny,
            mnx,
            r,
            PEEL_TRIES,
            radius,
        )
        best = _run(K.peel_layer, *args, seed + layer)
        level.img[ty, tx] = level.img[best[:, 0], best[:, 1]]
        _keep_guide(level, ty, tx)
        mny[ty, tx] = best[:, 0]
        mnx[ty, tx] = best[:, 1]
        known[ty, tx] = True
        hole &= ~border
        layer += 1
    unpadded = _unpad(level.img, r).copy()
    level.img[:] = _pad(unpadded, r)


def _diffuse_fill(level: _Level, r: int, seed: int) -> None:
    """Coarsest level, ``init="diffuse"``: the hole filled by smooth diffusion from its
    border (Telea), plus grain drawn from random known pixels, so the EM iterations that
    follow find textured patches rather than settling on the smoothest ones. An object
    that touches the border is blended away instead of being copied whole into the hole."""
    img = _unpad(level.img, r)
    hole = level.hole.astype(np.uint8)
    smooth = np.stack(
        [
            cv2.inpaint(np.clip(img[..., c], 0, 255).astype(np.uint8), hole, 3, cv2.INPAINT_TELEA)
            for c in range(img.shape[2])
        ],
        axis=-1,
    ).astype(np.float32)
    # The hole's own pixels (what is being erased) must not reach the grain through the
    # blur: the residual is taken of the image with the hole already diffused.
    base = np.where(level.hole[..., None], smooth, img)
    residual = (base - cv2.GaussianBlur(base, (0, 0), NOISE_SIGMA).reshape(img.shape)).reshape(
        -1, img.shape[2]
    )
    known = np.flatnonzero(~level.hole.ravel())
    pick = known[np.random.default_rng(seed).integers(0, known.size, np.count_nonzero(hole))]
    filled = img.copy()
    filled[level.hole] = smooth[level.hole] + residual[pick]
    level.img[:] = _pad(filled, r)


def _solve_level(level: _Level, coarse, r, n_em, settings: PatchMatchSettings, seed):
    """EM iterations at one level; returns this level's NNF (padded frame)."""
    h, w = level.hole.shape
    ty, tx, hy, hx, valid = _coordinates(level, r)
    all_ty, all_tx = ty, tx
    stride = 1 if coarse is None else max(1, min(settings.fine_stride, r))
    if stride > 1:  # every hole pixel still lies in some grid patch: stride <= r
        on_grid = (ty % stride == 0) & (tx % stride == 0)
        ty, tx = ty[on_grid], tx[on_grid]
    band, starts = _bands(ty, tx, (h + 2 * r, w + 2 * r))
    check_cancelled()
    nny = np.full((h + 2 * r, w + 2 * r), -1, np.int32)
    nnx = nny.copy()
    cost = np.full(nny.shape, np.inf, np.float32)
    src_ok = np.pad(valid, r)  # valid source centres, padded frame
    check_cancelled()
    if coarse is None:
        sy, sx = (a.astype(np.int32) + r for a in np.nonzero(valid))
        _run(K.random_init, sy, sx, ty, tx, nny, nnx, seed)
    else:  # no list of every source centre: a large photo's would be most of its pixels
        counts = K.block_counts(src_ok)
        _run(K.upsample_nnf, coarse[0], coarse[1], ty, tx, src_ok, nny, nnx, r, seed, counts)
        _vote_into(level, band, ty, tx, hy, hx, nny, nnx, cost, r, 0.0, stride)  # equal weights
    radius = max(h, w) if coarse is None or not settings.fine_radius else settings.fine_radius
    pct = settings.sigma_percentile
    for em in range(n_em):
        check_cancelled()
        _costs(level.img, level.pen, ty, tx, nny, nnx, cost, r)
        field = (level.img, src_ok, level.pen, band, starts, ty, tx, nny, nnx, cost)
        extra = em == 0 and coarse is None  # finer levels start from a good field already
        _search(field, settings.search_iters + extra, radius, seed + em, r, stride)
        _vote_into(level, band, ty, tx, hy, hx, nny, nnx, cost, r, pct, stride)
    if stride > 1:  # the targets between grid points: for the sources and the next level
        _run(K.spread_nnf, all_ty, all_tx, band, nny, nnx, stride)
    return nny, nnx


def _coordinates(level: _Level, r: int) -> list[np.ndarray]:
    """ty, tx, hy, hx: padded-frame int32 coordinates of the target centres (patches
    touching the hole) and of the hole pixels; then the valid source centres (H x W bool)."""
    target = cv2.dilate(level.hole.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8))
    coords = []
    for where in (target > 0, level.hole):
        coords.extend(a.astype(np.int32) + r for a in np.nonzero(where))
        check_cancelled()
    return [*coords, _valid_centres(level.hole, level.source, r)]


def _vote_into(level, band, ty, tx, hy, hx, nny, nnx, cost, r, percentile, stride=1):
    sigma2 = 0.0  # equal weights, and the costs are not needed
    if percentile:
        costs = cost[ty[:: max(1, ty.size // COST_SAMPLE)], tx[:: max(1, ty.size // COST_SAMPLE)]]
        costs = costs[np.isfinite(costs)]
        sigma2 = float(np.percentile(costs, percentile)) if costs.size else 0.0
    inv2s2 = 1.0 / (2.0 * sigma2) if sigma2 > 0 else 0.0
    weight = np.zeros(cost.shape, np.float64)
    _run(K.patch_weights, cost, ty, tx, inv2s2, weight)
    out = np.empty((hy.size, level.img.shape[2]), np.float32)
    for k0, k1 in _pieces(hy.size, r):
        part = (hy[k0:k1], hx[k0:k1])
        _run(K.vote, level.img, *part, band, nny, nnx, weight, r, stride, out[k0:k1])
    level.img[hy, hx] = out
    _keep_guide(level, hy, hx)


def _costs(img, pen, ty, tx, nny, nnx, cost, r):
    for k0, k1 in _pieces(ty.size, r):
        _run(K.compute_costs, img, pen, ty[k0:k1], tx[k0:k1], nny, nnx, cost, r)


def _search(field, iters, radius, seed, r, stride=1):
    """PatchMatch sweeps, alternately forward and backward, each split into pieces
    short enough to check for cancellation between them (the result is the same)."""
    starts = field[4]
    n_pieces = max(1, -(-int(np.diff(starts).max()) // _per_call(r)))
    states = K.search_states(seed, starts.size - 1)
    for it in range(iters):
        step = 1 if it % 2 == 0 else -1
        for piece in range(n_pieces) if step == 1 else reversed(range(n_pieces)):
            check_cancelled()
            _run(K.search, *field, step, piece, n_pieces, radius, states, r, stride)


def _run(kernel, *args):
    """Call a parallel kernel; one thread at a time if the threading layer needs it."""
    global _take_turns
    if _take_turns is False:
        return kernel(*args)
    with _KERNEL_LOCK:
        out = kernel(*args)
        _take_turns = numba.threading_layer() == "workqueue"
        return out


def _per_call(r):
    return max(1, CALL_WORK // (2 * r + 1) ** 2)


def _pieces(n, r):
    """Consecutive [k0, k1) ranges of ``n`` targets, one kernel call each."""
    size = _per_call(r)
    for k0 in range(0, n, size):
        check_cancelled()
        yield k0, min(n, k0 + size)


def _bands(ty, tx, shape, n_bands=2):
    """Split targets (raster order) into horizontal bands searched in parallel."""
    band = np.zeros(shape, np.int8)
    n = ty.size
    starts = np.array([n * b // n_bands for b in range(n_bands + 1)], np.int64)
    for b in range(n_bands):
        band[ty[starts[b] : starts[b + 1]], tx[starts[b] : starts[b + 1]]] = b + 1
    return band, starts
