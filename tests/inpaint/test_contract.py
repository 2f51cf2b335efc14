"""The contract every registered inpainting method must keep (STYLE.md)."""

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.core.registry import list_methods
from retouch.inpaint import erase
from tests.conftest import square_mask, stripes

METHODS = [m.name for m in list_methods("inpaint")]


@pytest.fixture(params=METHODS)
def method(request) -> str:
    return request.param


@pytest.fixture
def noisy(rng) -> np.ndarray:
    return rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)


def test_shape_dtype_and_untouched_outside_mask(method, noisy):
    mask = square_mask(64, 80, 20, 36, 30, 50)
    out = erase(noisy, mask, method=method)
    assert out.shape == noisy.shape and out.dtype == np.uint8
    assert np.array_equal(out[mask == 0], noisy[mask == 0])
    assert not np.array_equal(out[mask > 0], noisy[mask > 0])
    assert out is not noisy


def test_fill_ignores_what_was_under_the_mask(method, noisy):
    """What is erased (a watermark, a person) must not leak into its own fill."""
    mask = square_mask(64, 80, 20, 36, 30, 50)
    other = noisy.copy()
    other[mask > 0] = 255 - other[mask > 0]
    assert np.array_equal(erase(noisy, mask, method=method), erase(other, mask, method=method))


@pytest.mark.parametrize("init", ["peel", "diffuse"])
def test_patchmatch_inits_ignore_what_was_under_the_mask(init, noisy):
    mask = square_mask(64, 80, 20, 36, 30, 50)
    other = noisy.copy()
    other[mask > 0] = 0
    a = erase(noisy, mask, method="patchmatch", init=init)
    assert np.array_equal(a, erase(other, mask, method="patchmatch", init=init))


def test_dilation_is_applied_before_filling(method, noisy):
    mask = square_mask(64, 80, 30, 31, 40, 41)
    out = erase(noisy, mask, method=method, dilate_px=4)
    changed = np.any(out != noisy, axis=2)
    assert changed[30, 36] or changed[30, 44]  # a pixel only the dilated mask covers
    assert not changed[30, 50]


def test_deterministic(method, noisy):
    mask = square_mask(64, 80, 10, 30, 10, 30)
    assert np.array_equal(erase(noisy, mask, method=method), erase(noisy, mask, method=method))


def test_flat_image_is_filled_with_its_colour(method):
    img = np.full((48, 48, 3), (90, 140, 200), np.uint8)
    out = erase(img, square_mask(48, 48, 16, 32, 16, 32), method=method)
    # OpenCV's Telea is biased by up to 3 levels on flat colour; a broken fill is far off.
    assert np.abs(out.astype(int) - img).max() <= 4


def test_empty_mask_returns_a_copy_and_says_so(method, noisy, caplog):
    out = erase(noisy, np.zeros(noisy.shape[:2], np.uint8), method=method)
    assert np.array_equal(out, noisy) and out is not noisy
    assert "mask is empty" in caplog.text


def test_full_mask_is_a_clear_error(method, noisy):
    with pytest.raises(InputError, match=r"covers the whole image \(5120 of 5120 pixels\)"):
        erase(noisy, np.full(noisy.shape[:2], 255, np.uint8), method=method)


def test_mask_of_other_size_is_a_clear_error(method, noisy):
    with pytest.raises(InputError, match="mask is 10x10 but the image is 80x64"):
        erase(noisy, np.zeros((10, 10), np.uint8), method=method)


def test_holes_at_image_borders_and_corners(method):
    img = stripes(40, 40)
    mask = np.zeros((40, 40), np.uint8)
    mask[:6, :6] = 255
    mask[34:, 20:] = 255
    out = erase(img, mask, method=method)
    assert np.array_equal(out[mask == 0], img[mask == 0])


def test_many_separate_holes(method, noisy):
    mask = np.zeros(noisy.shape[:2], np.uint8)
    mask[5:8, 5:8] = mask[50:55, 60:70] = mask[30:33, 2:5] = 255
    out = erase(noisy, mask, method=method)
    assert np.array_equal(out[mask == 0], noisy[mask == 0])
