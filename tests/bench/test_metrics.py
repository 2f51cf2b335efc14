import numpy as np
import pytest

from retouch.bench.metrics import PeakMemory, psnr, ssim
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
