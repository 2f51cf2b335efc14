import cv2
import numpy as np
import pytest

from retouch.bench.inpaint import Row, summarise
from retouch.bench.metrics import (
    PeakMemory,
    border_band,
    grain_ratio,
    grain_regions,
    psnr,
    seam_score,
    ssim,
)
from tests.conftest import need_module


def test_psnr_by_hand():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 48  # one error of 48 in 48 values: mse 48
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / 48))
    mask = np.zeros((4, 4), np.uint8)
    mask[0, 0] = 255  # inside the mask: mse 48*48/3
    assert psnr(a, b, mask) == pytest.approx(10 * np.log10(255**2 / (48 * 48 / 3)))
    assert psnr(a, a) == float("inf")


def test_ssim_identical_is_one_and_noise_lowers_it(rng):
    a = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert ssim(a, a) == pytest.approx(1.0)
    noisy = np.clip(a + rng.normal(0, 40, a.shape), 0, 255).astype(np.uint8)
    assert ssim(a, noisy) < 0.9


def half_hole(size: int = 16) -> np.ndarray:
    """The right half is the hole: one straight vertical border between two columns."""
    hole = np.zeros((size, size), np.uint8)
    hole[:, size // 2 :] = 255
    return hole


def grey(values: np.ndarray) -> np.ndarray:
    """H x W values (any float) as an H x W x 3 uint8 grey image."""
    return np.repeat(np.clip(np.round(values), 0, 255).astype(np.uint8)[..., None], 3, 2)


def noise(rng, shape, sigma, mean=128.0) -> np.ndarray:
    return rng.normal(mean, sigma, shape)


def test_border_band_is_width_columns_each_side_of_a_straight_border():
    band = border_band(half_hole(16), width=2)
    assert band.dtype == bool and band.shape == (16, 16)
    assert np.array_equal(np.flatnonzero(band.all(0)), [6, 7, 8, 9])
    assert np.count_nonzero(band) == 4 * 16


def test_seam_score_of_the_truth_is_zero(rng):
    truth = grey(noise(rng, (32, 32), 20))
    assert seam_score(truth, truth, half_hole(32)) == 0.0


def test_seam_score_of_a_step_is_the_step_by_hand():
    # flat 100, the fill 130: a step of 30 between columns 7 and 8. Without the blur the
    # Sobel gradient is 15 in columns 7 and 8 and 0 in 6 and 9: mean 7.5 over the band,
    # times 2 * width = 4 is 30. The default blur (1.5 px) keeps about 94 % of it.
    truth = grey(np.full((16, 16), 100.0))
    fill = truth.copy()
    fill[:, 8:] = 130
    assert seam_score(fill, truth, half_hole(), width=2, sigma=0) == pytest.approx(30.0)
    assert 27.0 < seam_score(fill, truth, half_hole()) < 30.0


def test_seam_score_an_offset_fill_scores_much_worse_than_the_truth(rng):
    truth = noise(rng, (48, 48), 12)
    hole = half_hole(48)
    offset = np.where(hole > 0, truth + 30, truth)
    assert seam_score(grey(truth), grey(truth), hole) == 0.0
    assert seam_score(grey(offset), grey(truth), hole) > 20.0


def test_seam_score_does_not_reward_a_fill_with_less_contrast_than_the_truth():
    # the truth has an edge of 40 right on the border; a fill that carries the outside
    # on (flat 100) loses it. A difference of means would score it -40, better than the
    # truth itself; the absolute difference per pixel scores it 40, like a seam of 40.
    truth = grey(np.where(half_hole() > 0, 140.0, 100.0))
    flat = grey(np.full((16, 16), 100.0))
    assert seam_score(flat, truth, half_hole(), width=2, sigma=0) == pytest.approx(40.0)


def test_seam_score_a_fill_blurred_across_the_border_scores_above_the_truth(rng):
    truth = noise(rng, (48, 48), 20)
    hole = half_hole(48)
    smeared = cv2.GaussianBlur(truth, (0, 0), 3)
    blurred = np.where(hole > 0, smeared, truth)
    assert seam_score(grey(blurred), grey(truth), hole) > 3.0


def test_seam_score_without_a_border_is_nan_and_checks_its_inputs():
    img = grey(np.full((8, 8), 50.0))
    assert np.isnan(seam_score(img, img, np.zeros((8, 8), np.uint8)))
    assert np.isnan(seam_score(img, img, np.full((8, 8), 255, np.uint8)))
    with pytest.raises(ValueError, match="one shape"):
        seam_score(img, img[:4], half_hole(8))
    with pytest.raises(ValueError, match="resize_mask"):
        seam_score(img, img, half_hole(4))
    with pytest.raises(ValueError, match="uint8 RGB"):
        seam_score(img.astype(np.float32), img.astype(np.float32), half_hole(8))


def square_hole(size: int = 64, side: int = 32) -> np.ndarray:
    hole = np.zeros((size, size), np.uint8)
    a = (size - side) // 2
    hole[a : a + side, a : a + side] = 255
    return hole


def test_grain_regions_leave_a_margin_and_match_the_area():
    inner, ring = grain_regions(square_hole(), margin=3)
    assert np.count_nonzero(inner) == 26 * 26  # 32 - 2 * 3 on each axis
    ring_yx, hole_yx = np.argwhere(ring), np.argwhere(square_hole() > 0)
    nearest = np.sqrt(((ring_yx[:, None] - hole_yx[None]) ** 2).sum(-1)).min()
    assert 3 < nearest < 4.5  # more than the margin from the hole, and no gap beyond it
    assert np.count_nonzero(inner) <= np.count_nonzero(ring) < 1.2 * np.count_nonzero(inner)


@pytest.mark.parametrize("sigma", [5.0, 20.0])
def test_grain_ratio_of_the_same_noise_inside_and_out_is_about_one(rng, sigma):
    assert 0.85 < grain_ratio(grey(noise(rng, (64, 64), sigma)), square_hole()) < 1.15


def test_grain_ratio_of_a_flat_fill_in_noise_is_about_zero(rng):
    img = noise(rng, (64, 64), 10)
    img[square_hole() > 0] = 128
    assert grain_ratio(grey(img), square_hole()) < 0.01


def test_grain_ratio_is_an_energy_half_the_noise_is_a_quarter(rng):
    img = noise(rng, (96, 96), 20)
    inside = square_hole(96, 48) > 0
    img[inside] = noise(rng, (96, 96), 10)[inside]
    assert 0.2 < grain_ratio(grey(img), square_hole(96, 48)) < 0.3


def test_grain_ratio_of_a_hole_too_thin_is_nan_and_checks_the_mask(rng):
    img = grey(noise(rng, (32, 32), 10))
    line = np.zeros((32, 32), np.uint8)
    line[:, 16] = 255  # nothing left after the erosion
    assert np.isnan(grain_ratio(img, line))
    assert grain_ratio(grey(np.full((32, 32), 7.0)), square_hole(32, 16)) == 1.0
    with pytest.raises(ValueError, match="H x W of the image"):
        grain_ratio(img, line[:8])


def test_summarise_leaves_nan_out_of_a_mean():
    def row(grain: float, perceptual: float = float("nan")) -> Row:
        numbers = dict(psnr_hole=20, ssim_hole=0.5, psnr_all=30, ssim_all=0.9, s_per_mp=1)
        return Row(
            "telea",
            "a.jpg",
            "bin1_0.png",
            1,
            0.15,
            **numbers,
            peak_mb=3,
            perceptual=perceptual,
            seam=5.0,
            grain=grain,
        )

    stats = summarise([row(0.2), row(float("nan")), row(0.4)])["10-20%"]["telea"]
    assert stats["n"] == 3 and stats["grain"] == pytest.approx(0.3)
    assert np.isnan(stats["perceptual"]) and stats["seam"] == 5.0


def test_peak_memory_sees_a_large_allocation():
    with PeakMemory() as mem:
        block = np.ones((64, 2**20), np.uint8)  # 64 MB
        del block
    assert 60 < mem.peak_mb < 200


@pytest.mark.slow  # loads torch and the EfficientNet features
def test_perceptual_distance_orders_degradations(rng):
    need_module("torch", "the perceptual distance needs the bench extra: pip install -e '.[bench]'")
    from retouch.bench.perceptual import perceptual_distance

    yy, xx = np.mgrid[0:96, 0:96]
    img = np.dstack([(xx * 2) % 256, (yy * 3) % 256, ((xx + yy) * 5) % 256]).astype(np.uint8)
    blurred = np.repeat(np.repeat(img[::4, ::4], 4, 0), 4, 1)
    assert perceptual_distance(img, img) == 0.0
    assert perceptual_distance(img, blurred) > 0.05
