"""Finishing steps of the patchmatch fill: grain that stays, a border without seams."""

import cv2
import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.core.registry import create
from retouch.inpaint import erase
from retouch.inpaint.patchmatch.finish import blend_border, restore_grain
from tests.conftest import square_mask, stripes


def _grain_ratio(img, hole):
    """Residual variance (luma - blur, sigma 1.2) in the eroded hole over a ring around it."""
    luma = img.astype(np.float64) @ [0.299, 0.587, 0.114]
    res = luma - cv2.GaussianBlur(luma, (0, 0), 1.2)
    inner = cv2.erode(hole.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((17, 17), np.uint8)) > 0) & ~hole
    return res[inner].var() / res[ring].var()


@pytest.fixture
def noise_fill(rng):
    """A noise image (sigma 10 around 128) whose square hole is filled flat."""
    img = rng.normal(128, 10, (64, 64, 3)).astype(np.float32)
    hole = square_mask(64, 64, 16, 48, 16, 48) > 0
    flat = img.copy()
    flat[hole] = 128
    return flat, hole


def test_real_grain_brings_a_flat_fill_to_the_ring_grain(noise_fill, rng):
    flat, hole = noise_fill
    ys, xs = np.nonzero(~hole)
    pick = rng.integers(0, ys.size, np.count_nonzero(hole))
    sources = np.stack([ys[pick], xs[pick]], axis=1)  # each hole pixel copies a known one
    assert _grain_ratio(flat, hole) < 0.01
    out = restore_grain(flat, hole, sources=sources)
    assert 0.85 < _grain_ratio(out, hole) < 1.15
    assert np.array_equal(out[~hole], flat[~hole])
    assert abs(float(out[hole].mean()) - 128) < 1  # grain, not a shift


@pytest.mark.parametrize("strength", [0.5, 1.0])
def test_synthetic_grain_matches_the_ring_times_strength(noise_fill, strength):
    flat, hole = noise_fill
    out = restore_grain(flat, hole, strength=strength, rng=np.random.default_rng(3))
    assert _grain_ratio(out, hole) == pytest.approx(strength**2, rel=0.2)


def test_grain_is_deterministic_for_a_seed(noise_fill):
    flat, hole = noise_fill
    a, b, c = (restore_grain(flat, hole, rng=np.random.default_rng(s)) for s in (1, 1, 2))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_grain_needs_sources_or_a_generator(noise_fill):
    flat, hole = noise_fill
    with pytest.raises(ValueError, match=r"sources .* or an rng"):
        restore_grain(flat, hole)
    with pytest.raises(ValueError, match="one per hole pixel"):
        restore_grain(flat, hole, sources=np.zeros((3, 2), int))
    with pytest.raises(ValueError, match="float32"):
        restore_grain(flat.astype(np.uint8), hole, rng=np.random.default_rng(0))


def test_blend_removes_a_constant_offset_at_the_border(rng):
    base = np.linspace(60, 180, 64, dtype=np.float32)[None, :, None]  # a ramp
    img = np.repeat(np.repeat(base, 64, axis=0), 3, axis=2) + rng.normal(0, 2, (64, 64, 3))
    img = img.astype(np.float32)
    hole = square_mask(64, 64, 16, 44, 20, 48) > 0
    edge = hole & (cv2.dilate((~hole).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    shifted = img.copy()
    shifted[hole] += 30
    out = blend_border(shifted, hole)
    assert abs(float((shifted - img)[edge].mean())) == pytest.approx(30)
    assert abs(float((out - img)[edge].mean())) < 1.5
    assert np.array_equal(out[~hole], shifted[~hole])  # bit-identical outside the hole


def test_blend_keeps_a_fill_that_already_meets_the_border(rng):
    img = rng.normal(128, 6, (48, 48, 3)).astype(np.float32)
    hole = square_mask(48, 48, 12, 36, 12, 36) > 0
    moved = np.abs(blend_border(img, hole) - img)[hole]
    assert moved.mean() < 1 and moved.max() < 6  # of noise with sigma 6


def test_blend_leaves_alone_a_texture_the_patches_continue():
    img = stripes(64, 64, period=8) // 8 + 100  # stripes 32 levels apart: seam-sized steps
    mask = square_mask(64, 64, 20, 44, 20, 44)
    plain = erase(img, mask, method="patchmatch", blend=False)
    out = erase(img, mask, method="patchmatch", blend=True)  # what the patches copy: no step
    assert np.abs(out.astype(int) - plain).max() <= 1
    by_bands = blend_border(img.astype(np.float32), mask > 0)  # band means: a false step
    assert np.abs(by_bands - img)[mask > 0].mean() > 2


def test_blend_leaves_alone_a_border_that_is_another_object():
    img = np.full((48, 48, 3), 60, np.float32)
    img[:, 24:] = 200  # the hole's right side borders a much brighter object
    hole = square_mask(48, 48, 12, 36, 8, 24) > 0
    img[hole] = 60
    ys, _ = np.nonzero(hole)
    sources = np.stack([ys, np.full_like(ys, 3)], axis=1)  # dark patches from the left edge
    assert np.array_equal(blend_border(img, hole, sources=sources), img)


def test_options_change_only_the_hole_and_repeat(rng):
    img = rng.normal(128, 12, (72, 72, 3)).clip(0, 255).astype(np.uint8)
    mask = square_mask(72, 72, 20, 52, 20, 52)
    old = erase(img, mask, method="patchmatch", seed=3, grain=0, blend=False)
    assert np.array_equal(old, erase(img, mask, method="patchmatch", seed=3, grain="0", blend=0))
    default = erase(img, mask, method="patchmatch", seed=3)  # blend on, grain 0.95
    assert np.array_equal(default, erase(img, mask, method="patchmatch", seed=3, grain=0.95))
    assert np.array_equal(default, erase(img, mask, method="patchmatch", seed=3, blend=True))
    new = erase(img, mask, method="patchmatch", seed=3, grain=1.0, blend=True)
    assert np.array_equal(new, erase(img, mask, method="patchmatch", seed=3, grain=1.0, blend=True))
    assert np.array_equal(new[mask == 0], img[mask == 0])
    assert _grain_ratio(old, mask > 0) < 0.7 < _grain_ratio(new, mask > 0) < 1.3
    assert 0.7 < _grain_ratio(default, mask > 0) < 1.3


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"grain": -0.1}, "grain must be a number from 0 to 2"),
        ({"grain": 2.5}, "grain must be a number from 0 to 2"),
        ({"grain": "lots"}, "grain must be a number"),
        ({"blend": "maybe"}, "blend must be true or false"),
        ({"blend": 2}, "blend must be true or false"),
    ],
)
def test_options_refuse_bad_values(options, says):
    with pytest.raises(InputError, match=says):
        create("inpaint", "patchmatch", **options)


def test_options_accept_text_from_the_command_line():
    method = create("inpaint", "patchmatch", grain="0.5", blend="yes")
    assert method.options == {"grain": 0.5, "blend": True}


def test_grain_gain_allows_for_grain_correlated_with_the_fill(rng):
    """Grain copied from the fill's own sources adds coherently: the gain is solved for
    the sum, so the result has the target grain, not more."""
    from retouch.inpaint.patchmatch.finish import _gain, _robust_sigma

    detail = rng.normal(0, 2, 5000).astype(np.float32)
    sigma = _robust_sigma(detail)  # about 2
    assert _gain(detail, detail, 3 * sigma, 10.0) == pytest.approx(2.0, abs=0.01)  # (1 + 2) x
    assert _gain(detail, detail, 0.5 * sigma, 10.0) == 0.0  # the fill has that much already
    noise = rng.normal(0, 1, 5000).astype(np.float32)
    g = _gain(detail, noise, 5.0, 10.0)
    assert _robust_sigma(detail + g * noise) == pytest.approx(5.0, rel=0.01)
    assert _gain(detail, noise, 100.0, 3.0) == 3.0  # capped


def test_ring_blur_matches_the_full_resolution_masked_blur(rng):
    from retouch.inpaint.patchmatch.finish import _masked_blur, _ring_blur

    hole = np.zeros((160, 200), bool)
    cv2.ellipse(hole.view(np.uint8), (100, 80), (60, 40), 20, 0, 360, 1, -1)
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~hole
    ys, xs = np.mgrid[:160, :200].astype(np.float32)
    values = np.stack([20 * np.sin(xs / 15), ys / 8, np.zeros_like(xs)], axis=-1)
    values *= ring[..., None]
    full = _masked_blur(values, ring, 8.0)[ring]
    fast = _ring_blur(values, ring, 8.0)[ring]
    assert np.abs(fast - full).max() < 0.1 * np.abs(full).max()
    assert np.abs(fast - full).mean() < 0.02 * np.abs(full).max()


def test_blend_piece_by_piece_matches_the_whole_hole_at_once(rng, monkeypatch):
    """Thin strokes far apart are blended over their own boxes (cheap on a large photo);
    inside each, the membrane depends only on that stroke's border, so the result is the
    one solving over the whole box gives."""
    import retouch.inpaint.patchmatch.finish as finish

    img = rng.normal(100, 3, (200, 260, 3)).astype(np.float32)
    hole = np.zeros((200, 260), bool)
    hole[20:40, 20:120] = hole[150:175, 140:240] = True
    img[20:40, 20:120] += 25  # one stroke too bright, the other too dark
    img[150:175, 140:240] -= 15
    monkeypatch.setattr(finish, "PIECES_SHARE", 0.0)  # never piece by piece
    whole = blend_border(img, hole)
    monkeypatch.setattr(finish, "PIECES_SHARE", 10.0)  # always, when there are pieces
    pieces = blend_border(img, hole)
    assert np.abs(pieces - whole).max() < 1.0  # levels of 255; a seam is 15-25 here
    assert abs(float(pieces[20:40, 20:120].mean()) - 100) < 3  # both strokes corrected
    assert abs(float(pieces[150:175, 140:240].mean()) - 100) < 3
    assert np.array_equal(pieces[~hole], img[~hole])
