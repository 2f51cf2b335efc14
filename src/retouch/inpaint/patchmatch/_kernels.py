"""Numba kernels of the PatchMatch completion: patch distance, NNF search and voting.

All coordinates are in the *padded* frame: the image is padded by the patch
radius ``r`` on every side, so every target patch lies inside the array.
``nny``/``nnx`` hold, for each target centre, the centre of its nearest source
patch; ``cost`` holds the sum of squared differences between the two patches.

Random numbers come from a 64-bit LCG whose state is a local integer seeded
explicitly by the caller, so results are deterministic for a given seed.

Every kernel runs without the GIL (``nogil=True``), and the callers in ``fill`` give
each call a bounded share of the targets, so no call lasts long: other threads keep
running, and a cancelled fill stops at the next call.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# fastmath without "nnan"/"ninf": costs start at +inf and are compared with it.
_FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}
_MUL = 6364136223846793005
_INC = 1442695040888963407


@njit(cache=True, fastmath=_FAST, nogil=True, inline="always")
def _next(state):
    return state * _MUL + _INC


@njit(cache=True, fastmath=_FAST, nogil=True, inline="always")
def _draw(state, span):
    """Uniform integer in [0, span) from the high bits of ``state``."""
    return ((state >> 33) & 0x7FFFFFFF) % span


@njit(cache=True, fastmath=_FAST, nogil=True, inline="always")
def _around(state, by, bx, rad):
    """A random candidate within ``rad`` of (by, bx): returns (state, cy, cx)."""
    state = _next(state)
    cy = by + _draw(state, 2 * rad + 1) - rad
    state = _next(state)
    cx = bx + _draw(state, 2 * rad + 1) - rad
    return state, cy, cx


@njit(cache=True, fastmath=_FAST, nogil=True)
def patch_ssd(img, ay, ax, by, bx, r, limit):
    """SSD between the patches centred at (ay, ax) and (by, bx); stops early past ``limit``."""
    nc = img.shape[2]
    d = 0.0
    for dy in range(-r, r + 1):
        ra = ay + dy
        rb = by + dy
        for dx in range(-r, r + 1):
            for c in range(nc):
                t = img[ra, ax + dx, c] - img[rb, bx + dx, c]
                d += t * t
        if d >= limit:
            return d
    return d


@njit(cache=True, fastmath=_FAST, nogil=True, inline="always")
def _penalty(pen, cy, cx):
    """The extra cost of the source centre (cy, cx): ``pen`` is the padded frame's, or
    1 x 1 for none."""
    if pen.shape[0] > 1:
        return pen[cy, cx]
    return 0.0


@njit(cache=True, fastmath=_FAST, nogil=True)
def _try(img, src_ok, pen, y, x, cy, cx, r, by, bx, bd):
    h, w = src_ok.shape
    if cy < 0 or cx < 0 or cy >= h or cx >= w or not src_ok[cy, cx]:
        return by, bx, bd
    if cy == by and cx == bx:
        return by, bx, bd
    p = _penalty(pen, cy, cx)
    d = patch_ssd(img, y, x, cy, cx, r, bd - p) + p
    if d < bd:
        return cy, cx, d
    return by, bx, bd


@njit(cache=True, fastmath=_FAST, nogil=True)
def _sweep(img, src_ok, pen, band, band_id, ty, tx, nny, nnx, cost, step, radius, state, r, s):
    """One PatchMatch pass over the targets of one band (forward if ``step`` is 1, else
    backward): propagation from the previous neighbours (``s`` pixels away: the targets'
    grid step, at most ``r``, so they lie in the padded frame), then random search.
    Returns the generator state, so a sweep split into consecutive pieces gives the
    same result."""
    n = ty.shape[0]
    d = step * s
    for kk in range(n):
        k = kk if step == 1 else n - 1 - kk
        y = ty[k]
        x = tx[k]
        by = nny[y, x]
        bx = nnx[y, x]
        bd = cost[y, x]
        if band[y, x - d] == band_id:
            by, bx, bd = _try(
                img, src_ok, pen, y, x, nny[y, x - d], nnx[y, x - d] + d, r, by, bx, bd
            )
        if band[y - d, x] == band_id:
            by, bx, bd = _try(
                img, src_ok, pen, y, x, nny[y - d, x] + d, nnx[y - d, x], r, by, bx, bd
            )
        rad = radius
        while rad >= 1:
            state, cy, cx = _around(state, by, bx, rad)
            by, bx, bd = _try(img, src_ok, pen, y, x, cy, cx, r, by, bx, bd)
            rad = rad // 2
        nny[y, x] = by
        nnx[y, x] = bx
        cost[y, x] = bd
    return state


@njit(cache=True, fastmath=_FAST, nogil=True)
def search_states(seed, n_bands):
    """The generator state each band's search starts from."""
    states = np.empty(n_bands, np.int64)
    for b in range(n_bands):
        states[b] = np.int64(seed) * 2654435761 + (b + 1)
    return states


@njit(cache=True, parallel=True, fastmath=_FAST, nogil=True)
def search(
    img,
    src_ok,
    pen,
    band,
    starts,
    ty,
    tx,
    nny,
    nnx,
    cost,
    step,
    piece,
    n_pieces,
    radius,
    states,
    r,
    s,
):
    """PatchMatch sweep of piece ``piece`` of ``n_pieces`` of every band, bands in parallel
    (bands never read each other). ``states`` (one int64 per band) is updated in place.
    Sweeping the pieces in order (reversed when ``step`` is -1) is one whole sweep."""
    nb = starts.shape[0] - 1
    for b in prange(nb):
        n = starts[b + 1] - starts[b]
        k0 = starts[b] + n * piece // n_pieces
        k1 = starts[b] + n * (piece + 1) // n_pieces
        bty = ty[k0:k1]
        btx = tx[k0:k1]
        sweep = (img, src_ok, pen, band, b + 1, bty, btx, nny, nnx, cost, step, radius)
        states[b] = _sweep(*sweep, states[b], r, s)


@njit(cache=True, parallel=True, fastmath=_FAST, nogil=True)
def random_init(src_y, src_x, ty, tx, nny, nnx, seed):
    """Give every target a uniformly random valid source centre."""
    n = ty.shape[0]
    ns = src_y.shape[0]
    for k in prange(n):
        state = _next(np.int64(seed) * 1000003 + k)
        state = _next(state)
        j = _draw(state, ns)
        nny[ty[k], tx[k]] = src_y[j]
        nnx[ty[k], tx[k]] = src_x[j]


@njit(cache=True, parallel=True, fastmath=_FAST, nogil=True)
def compute_costs(img, pen, ty, tx, nny, nnx, cost, r):
    """Recompute every target's patch distance (and its source's penalty) after the
    image changed."""
    for k in prange(ty.shape[0]):
        y = ty[k]
        x = tx[k]
        sy = nny[y, x]
        sx = nnx[y, x]
        cost[y, x] = patch_ssd(img, y, x, sy, sx, r, np.inf) + _penalty(pen, sy, sx)


@njit(cache=True, parallel=True, fastmath=_FAST, nogil=True)
def vote(img, hy, hx, band, nny, nnx, weight, r, s, out):
    """New value of each hole pixel: the weighted mean, over all target patches covering
    it, of the pixel their source patch has there. ``out`` (n x C) receives the values;
    ``band > 0`` marks target centres, which lie on a grid of step ``s`` (padded frame);
    ``weight`` comes from ``patch_weights``."""
    nc = img.shape[2]
    for k in prange(hy.shape[0]):
        y = hy[k]
        x = hx[k]
        for c in range(nc):
            out[k, c] = 0.0
        wsum = 0.0
        for dy in range(-r, r + 1):
            py = y - dy
            if py % s:
                continue
            for dx in range(-r, r + 1):
                px = x - dx
                if px % s == 0 and band[py, px] > 0:
                    w = weight[py, px] + 1e-30
                    sy = nny[py, px] + dy
                    sx = nnx[py, px] + dx
                    wsum += w
                    for c in range(nc):
                        out[k, c] += w * img[sy, sx, c]
        for c in range(nc):
            out[k, c] /= wsum


@njit(cache=True, parallel=True, fastmath=_FAST, nogil=True)
def spread_nnf(ty, tx, band, nny, nnx, s):
    """Give each target off the ``s``-pixel grid of searched targets (``band > 0``) the
    field of the nearest grid target among the four grid points around it, shifted by
    their distance: the source patch that grid target copies, read at this pixel's
    offset. A target with no grid target among them keeps its field (-1: none)."""
    h, w = band.shape
    for k in prange(ty.shape[0]):
        y = ty[k]
        x = tx[k]
        if band[y, x] > 0:
            continue
        y0 = y - y % s
        x0 = x - x % s
        best = 1 << 30
        for gy in (y0, y0 + s):
            for gx in (x0, x0 + s):
                if gy < h and gx < w and band[gy, gx] > 0:
                    dist = abs(gy - y) + abs(gx - x)
                    if dist < best:
                        best = dist
                        nny[y, x] = nny[gy, gx] + y - gy
                        nnx[y, x] = nnx[gy, gx] + x - gx


@njit(cache=True, parallel=True, fastmath=_FAST, nogil=True)
def upsample_nnf(cy_nny, cy_nnx, ty, tx, src_ok, nny, nnx, r, seed, counts):
    """Initialise a finer level's NNF from the coarser one (both padded by ``r``).

    A target at unpadded (y, x) takes its coarse parent's source, doubled, plus its
    offset within the parent; if that is no valid source here, a random one (the j-th
    ``src_ok`` pixel in row-major order, found with ``counts = block_counts(src_ok)``).
    """
    hc = cy_nny.shape[0] - 2 * r
    wc = cy_nny.shape[1] - 2 * r
    ns = counts[-1]
    for k in prange(ty.shape[0]):
        y = ty[k] - r
        x = tx[k] - r
        py = min(y // 2, hc - 1)
        px = min(x // 2, wc - 1)
        qy = cy_nny[py + r, px + r]
        qx = cy_nnx[py + r, px + r]
        ok = False
        if qy >= 0:
            sy = 2 * (qy - r) + (y - 2 * py) + r
            sx = 2 * (qx - r) + (x - 2 * px) + r
            if 0 <= sy < src_ok.shape[0] and 0 <= sx < src_ok.shape[1] and src_ok[sy, sx]:
                nny[ty[k], tx[k]] = sy
                nnx[ty[k], tx[k]] = sx
                ok = True
        if not ok:
            state = _next(np.int64(seed) * 7919 + k)
            j = _draw(_next(state), ns)
            nny[ty[k], tx[k]], nnx[ty[k], tx[k]] = _nth(src_ok, counts, j)


_BLOCK = 64  # columns per block of ``block_counts``


def block_counts(ok):
    """Cumulative count of True pixels of the H x W bool ``ok`` before each block of
    ``_BLOCK`` columns of a row, blocks in row-major order: int64, H * ceil(W / _BLOCK) + 1."""
    h, w = ok.shape
    nb = -(-w // _BLOCK)
    padded = np.zeros((h, nb * _BLOCK), np.uint8)
    padded[:, :w] = ok
    per_block = padded.reshape(h, nb, _BLOCK).sum(axis=2, dtype=np.int64).ravel()
    return np.concatenate((np.zeros(1, np.int64), np.cumsum(per_block)))


@njit(cache=True, fastmath=_FAST, nogil=True)
def _nth(ok, counts, j):
    """(y, x) of the j-th True pixel of ``ok`` in row-major order (0 <= j < counts[-1])."""
    b = np.searchsorted(counts, j, side="right") - 1  # the block holding it
    nb = (counts.shape[0] - 1) // ok.shape[0]
    y = b // nb
    x = (b % nb) * _BLOCK
    left = j - counts[b]
    while True:
        if ok[y, x]:
            if left == 0:
                return y, x
            left -= 1
        x += 1


@njit(cache=True, fastmath=_FAST, nogil=True)
def known_count(known, y, x, r):
    """How many pixels of the patch centred at (y, x) are ``known``."""
    n = 0
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if known[y + dy, x + dx]:
                n += 1
    return n


@njit(cache=True, fastmath=_FAST, nogil=True)
def masked_ssd(img, known, scale, ay, ax, by, bx, r, limit):
    """SSD over the ``known`` pixels of patch (ay, ax), times ``scale`` (patch area over
    the known count, so partial patches compare with full ones); stops past ``limit``."""
    nc = img.shape[2]
    stop = limit / scale
    d = 0.0
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if known[ay + dy, ax + dx]:
                for c in range(nc):
                    t = img[ay + dy, ax + dx, c] - img[by + dy, bx + dx, c]
                    d += t * t
        if d >= stop:
            break
    return d * scale


@njit(cache=True, fastmath=_FAST, nogil=True)
def _try_masked(img, known, scale, src_ok, pen, y, x, cy, cx, r, by, bx, bd):
    h, w = src_ok.shape
    if cy < 0 or cx < 0 or cy >= h or cx >= w or not src_ok[cy, cx]:
        return by, bx, bd
    p = _penalty(pen, cy, cx)
    d = masked_ssd(img, known, scale, y, x, cy, cx, r, bd - p) + p
    if d < bd:
        return cy, cx, d
    return by, bx, bd


@njit(cache=True, parallel=True, fastmath=_FAST, nogil=True)
def peel_layer(img, known, src_ok, pen, src_y, src_x, ty, tx, mny, mnx, r, tries, radius, seed):
    """Onion-peel step: the best source centre for each target pixel, matched on the
    target patch's known pixels. Candidates: the matches of already-filled neighbours
    (shifted), ``tries`` random sources, then a shrinking random search around the
    best. ``mny``/``mnx`` hold earlier layers' matches (-1: none). Returns n x 2."""
    n = ty.shape[0]
    ns = src_y.shape[0]
    best = np.empty((n, 2), np.int32)
    for k in prange(n):
        y = ty[k]
        x = tx[k]
        state = _next(np.int64(seed) * 104729 + k)
        by = src_y[0]
        bx = src_x[0]
        bd = np.inf
        n_known = known_count(known, y, x, r)
        if n_known == 0:
            best[k, 0] = by
            best[k, 1] = bx
            continue
        scale = (2 * r + 1) * (2 * r + 1) / n_known
        for dy in range(-1, 2):
            for dx in range(-1, 2):
                if mny[y + dy, x + dx] >= 0:
                    by, bx, bd = _try_masked(
                        img,
                        known,
                        scale,
                        src_ok,
                        pen,
                        y,
                        x,
                        mny[y + dy, x + dx] - dy,
                        mnx[y + dy, x + dx] - dx,
                        r,
                        by,
                        bx,
                        bd,
                    )
        for _ in range(min(tries, ns)):
            state = _next(state)
            j = _draw(state, ns)
            by, bx, bd = _try_masked(
                img, known, scale, src_ok, pen, y, x, src_y[j], src_x[j], r, by, bx, bd
            )
        rad = radius
        while rad >= 1:
            state, cy, cx = _around(state, by, bx, rad)
            by, bx, bd = _try_masked(img, known, scale, src_ok, pen, y, x, cy, cx, r, by, bx, bd)
            rad = rad // 2
        best[k, 0] = by
        best[k, 1] = bx
    return best


@njit(cache=True, parallel=True, fastmath=_FAST, nogil=True)
def patch_weights(cost, ty, tx, inv2s2, weight):
    """weight[y, x] = exp(-cost * inv2s2) for every target centre (1 if inv2s2 == 0,
    whatever the cost, so the costs need not be known)."""
    for k in prange(ty.shape[0]):
        if inv2s2 == 0.0:
            weight[ty[k], tx[k]] = 1.0
        else:
            weight[ty[k], tx[k]] = np.exp(-cost[ty[k], tx[k]] * inv2s2)
