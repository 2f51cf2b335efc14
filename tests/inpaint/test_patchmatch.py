"""What sets patchmatch apart from diffusion: it continues texture and respects sources."""

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.inpaint import erase
from retouch.inpaint.patchmatch import _kernels as K
from retouch.inpaint.patchmatch.fill import PatchMatchSettings, complete, complete_with_sources
from tests.conftest import square_mask, stripes


def _hole_error(a, b, mask):
    return float(np.abs(a.astype(int) - b.astype(int))[mask > 0].mean())


def test_continues_a_stripe_texture_that_diffusion_blurs():
    img = stripes(64, 64, period=8)
    mask = square_mask(64, 64, 20, 44, 20, 44)
    pm = _hole_error(erase(img, mask, method="patchmatch"), img, mask)
    telea = _hole_error(erase(img, mask, method="telea"), img, mask)
    assert pm < 5, f"patchmatch left mean error {pm:.1f} on a periodic texture"
    assert telea > 3 * pm


def test_source_mask_limits_where_fill_comes_from():
    img = np.zeros((64, 64, 3), np.uint8)
    img[:, :32] = (250, 0, 0)  # left: red
    img[:, 32:] = (0, 0, 250)  # right: blue
    mask = square_mask(64, 64, 24, 40, 26, 38)  # straddles the boundary
    source = np.zeros((64, 64), np.uint8)
    source[:, 44:] = 255  # only blue may be copied
    out = erase(img, mask, method="patchmatch", source=source)
    filled = out[mask > 0].astype(int)
    assert filled[:, 2].mean() > 200 and filled[:, 0].mean() < 30


def test_seed_controls_randomness(rng):
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = square_mask(64, 64, 16, 48, 16, 48)
    a = erase(img, mask, method="patchmatch", seed=1)
    assert np.array_equal(a, erase(img, mask, method="patchmatch", seed=1))
    assert not np.array_equal(a, erase(img, mask, method="patchmatch", seed=2))


@pytest.mark.parametrize("size", [3, 5, 9])
def test_patch_sizes(size):
    img = stripes(48, 48)
    out = erase(img, square_mask(48, 48, 18, 30, 18, 30), method="patchmatch", patch_size=size)
    assert out.shape == img.shape


def test_patch_size_changes_the_fill(rng):
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = square_mask(64, 64, 20, 44, 20, 44)
    small, large = (erase(img, mask, method="patchmatch", patch_size=p) for p in (3, 11))
    assert np.count_nonzero(np.any(small != large, axis=2)) > 0.5 * np.count_nonzero(mask)


def test_only_a_small_patch_fits_a_narrow_source():
    img = np.full((64, 64, 3), (200, 30, 30), np.uint8)
    img[:, 58:] = (30, 200, 30)  # a green strip on the right edge
    mask = square_mask(64, 64, 20, 40, 10, 30)
    source = np.zeros((64, 64), np.uint8)
    source[:, 60:] = 255  # 4 columns at the edge: room for a 3x3 patch centre, not an 11x11
    with pytest.raises(InputError, match="no 11x11 patch fits in the source area"):
        erase(img, mask, method="patchmatch", source=source, patch_size=11)
    out = erase(img, mask, method="patchmatch", source=source, patch_size=3)
    assert np.array_equal(np.unique(out[mask > 0], axis=0), [[30, 200, 30]])


@pytest.mark.parametrize("r", [1, 3, 5])
def test_patch_distances_cover_the_whole_patch(rng, r):
    img = rng.random((24, 24, 3), dtype=np.float32)
    nny = np.full((24, 24), -1, np.int32)
    nnx = nny.copy()
    nny[9, 8], nnx[9, 8] = 14, 13
    cost = np.zeros((24, 24), np.float32)
    at = np.array([9], np.int32), np.array([8], np.int32)
    K.compute_costs(img, np.zeros((1, 1), np.float32), *at, nny, nnx, cost, r)  # no penalty
    a, b = img[9 - r : 10 + r, 8 - r : 9 + r], img[14 - r : 15 + r, 13 - r : 14 + r]
    assert cost[9, 8] == pytest.approx(float(((a - b) ** 2).sum()), rel=1e-5)
    pen = np.zeros((24, 24), np.float32)
    pen[14, 13] = 7.5  # the source centre's own penalty is added, no other
    pen[9, 8] = pen[14, 12] = 100.0
    K.compute_costs(img, pen, *at, nny, nnx, cost, r)
    assert cost[9, 8] == pytest.approx(float(((a - b) ** 2).sum()) + 7.5, rel=1e-5)
    known = rng.random((24, 24)) > 0.5
    kn = known[9 - r : 10 + r, 8 - r : 9 + r]
    masked = K.masked_ssd(img, known, 2.0, 9, 8, 14, 13, r, np.inf)
    assert masked == pytest.approx(2.0 * float(((a - b) ** 2)[kn].sum()), rel=1e-5)


@pytest.mark.parametrize(("r", "s"), [(1, 1), (2, 1), (2, 2), (3, 2)])
def test_vote_averages_every_patch_covering_a_pixel(rng, r, s):
    """With targets on a grid of step ``s`` (the finer levels), the vote averages the
    grid patches covering the pixel, and a stray ``band`` mark off the grid is ignored."""
    img = rng.random((16, 16, 3), dtype=np.float32)
    band = np.zeros((16, 16), np.int8)
    band[4:12:s, 4:12:s] = 1  # target centres
    band[7, 9] = 1 if s == 1 else 0
    nny = rng.integers(r + 2, 14 - r - 2, (16, 16)).astype(np.int32)
    nnx = rng.integers(r + 2, 14 - r - 2, (16, 16)).astype(np.int32)
    weight = rng.random((16, 16))
    out = np.empty((1, 3), np.float32)
    ty, tx = np.array([7], np.int32), np.array([8], np.int32)
    K.vote(img, ty, tx, band, nny, nnx, weight, r, s, out)
    total, wsum = np.zeros(3), 0.0
    for py in range(7 - r, 8 + r):
        for px in range(8 - r, 9 + r):  # every target patch that covers (7, 8)
            if py % s or px % s:
                continue
            w = weight[py, px] + 1e-30
            total += w * img[nny[py, px] + 7 - py, nnx[py, px] + 8 - px]
            wsum += w
    assert out[0] == pytest.approx(total / wsum, rel=1e-5)


def test_targets_off_the_grid_read_their_grid_neighbours_patch():
    band = np.zeros((12, 12), np.int8)
    band[2:10:2, 2:10:2] = 1  # searched targets: the even points of rows/columns 2-8
    nny = np.full((12, 12), -1, np.int32)
    nnx = nny.copy()
    nny[4, 4], nnx[4, 4] = 20, 30  # grid target (4, 4) copies the patch centred at (20, 30)
    nny[4, 6], nnx[4, 6] = 40, 50
    nny[8, 8], nnx[8, 8] = 60, 70
    ty = np.array([4, 5, 4, 9], np.int32)
    tx = np.array([5, 4, 7, 9], np.int32)  # (9, 9): its grid corners (8/10, 8/10) ...
    K.spread_nnf(ty, tx, band, nny, nnx, 2)
    # (4, 5) is as near (4, 4) as (4, 6): the first found, (4, 4), shifted by one column.
    assert (nny[4, 5], nnx[4, 5]) == (20, 31)
    assert (nny[5, 4], nnx[5, 4]) == (21, 30)
    assert (nny[4, 7], nnx[4, 7]) == (40, 51)  # nearest: (4, 6)
    assert (nny[9, 9], nnx[9, 9]) == (61, 71)  # ... of which only (8, 8) is searched
    assert (nny[4, 4], nnx[4, 4]) == (20, 30)  # grid targets keep theirs


@pytest.mark.parametrize("stride", [1, 2])
def test_finer_levels_searched_on_a_grid_still_continue_texture(stride):
    """A photo large enough for two pyramid levels: the full-resolution level searches
    every ``stride``-th patch only, and still continues the stripes; every hole pixel
    gets a known source pixel."""
    img = stripes(300, 300, period=8)
    mask = square_mask(300, 300, 110, 190, 100, 200)
    hole = mask > 0
    settings = PatchMatchSettings(fine_stride=stride)
    out, sources = complete_with_sources(img.astype(np.float32), hole, ~hole, settings)
    error = _hole_error(np.clip(np.rint(out), 0, 255).astype(np.uint8), img, mask)
    assert error < 5, f"stride {stride}: mean error {error:.1f} on a periodic texture"
    ys, xs = sources.T
    assert not hole[ys, xs].any()
    assert ((ys >= 0) & (ys < 300) & (xs >= 0) & (xs < 300)).all()


def test_invalid_patch_size():
    with pytest.raises(ValueError, match="patch_size must be an odd"):
        erase(stripes(), square_mask(), method="patchmatch", patch_size=4)


def test_progress_is_reported_per_crop():
    img = stripes(200, 200)
    mask = np.zeros((200, 200), np.uint8)
    mask[10:20, 10:20] = mask[170:180, 170:180] = 255
    calls = []
    erase(img, mask, method="patchmatch", progress=lambda i, n: calls.append((i, n)))
    assert calls == [(1, 2), (2, 2)]


def test_source_where_no_patch_fits_is_a_clear_error():
    img = stripes(64, 64)
    mask = square_mask(64, 64, 20, 40, 20, 40)
    source = np.zeros((64, 64), np.uint8)
    source[:, 62:] = 255  # the last 2 columns: no 7x7 patch is centred there
    with pytest.raises(InputError, match="patch fits in the source area"):
        erase(img, mask, method="patchmatch", source=source)


def test_sources_are_known_pixels_of_the_source_area(rng):
    img = rng.random((64, 64, 3), dtype=np.float32) * 255
    hole = square_mask(64, 64, 20, 40, 20, 44) > 0
    allowed = np.zeros((64, 64), bool)
    allowed[:, 40:] = True
    settings = PatchMatchSettings(seed=2)
    out, sources = complete_with_sources(img, hole, allowed & ~hole, settings)
    assert np.array_equal(out, complete(img, hole, allowed & ~hole, settings))
    assert sources.shape == (np.count_nonzero(hole), 2) and sources.dtype == np.int32
    ys, xs = sources.T
    assert allowed[ys, xs].all() and not hole[ys, xs].any()


def _mean_source_distance(near):
    """Mean distance from the hole of the sources the coarsest level copies on pure noise,
    where every source fits as well as any other."""
    img = np.random.default_rng(5).normal(120, 8, (200, 200, 3)).astype(np.float32)
    hole = square_mask(200, 200, 90, 110, 90, 110) > 0
    settings = PatchMatchSettings(seed=1, near=near, guide=0.0, min_size=200)  # one level
    sources = complete_with_sources(img, hole, ~hole, settings)[1]
    ys, xs = sources.T
    return float(np.mean(np.maximum(np.maximum(90 - ys, ys - 109), np.maximum(90 - xs, xs - 109))))


def test_near_copies_from_close_to_the_hole():
    """Without ``near`` the sources spread over the whole photo (mean about 60 px from
    the hole here); with it most come from the first hole radii around it (about 9 px)."""
    assert _mean_source_distance(0.0) > 40
    assert _mean_source_distance(8.0) < 0.25 * _mean_source_distance(0.0)


def _yellow_in_hole(img, mask):
    return int(np.count_nonzero((img[..., 0] > 200) & (img[..., 2] < 120) & (mask > 0)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_diffuse_start_does_not_copy_an_object_beside_the_hole(seed):
    """A yellow ball next to (not under) the hole: the onion peel copies ball pixels
    into the grey fill (the case that makes it a hard one); ``init="diffuse"`` does not."""
    rng = np.random.default_rng(seed)
    img = rng.normal(120, 6, (96, 128, 3)).clip(0, 255).astype(np.uint8)
    ys, xs = np.mgrid[:96, :128]
    img[(ys - 48) ** 2 + (xs - 29) ** 2 <= 100] = (250, 230, 40)  # x 19-39; the hole: 40-99
    mask = square_mask(96, 128, 28, 68, 40, 100)
    peel = erase(img, mask, method="patchmatch", seed=seed)
    diffuse = erase(img, mask, method="patchmatch", seed=seed, init="diffuse")
    assert _yellow_in_hole(peel, mask) > 20
    assert _yellow_in_hole(diffuse, mask) <= 5
    assert np.array_equal(diffuse[mask == 0], img[mask == 0])
    assert abs(float(diffuse[mask > 0].mean()) - 120) < 6  # grey, like its surroundings
