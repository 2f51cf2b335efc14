import numpy as np
import pytest

from retouch.core.arrays import as_float, as_uint8, check_image, check_mask
from retouch.core.errors import InputError


def test_check_image_accepts_rgb_uint8():
    img = np.zeros((5, 6, 3), np.uint8)
    assert check_image(img) is img


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((5, 6), np.uint8), "H x W x 3"),
        (np.zeros((5, 6, 4), np.uint8), "H x W x 3"),
        (np.zeros((5, 6, 3), np.float32), "uint8"),
        ([[1, 2, 3]], "numpy array"),
        (np.zeros((0, 6, 3), np.uint8), "empty"),
    ],
)
def test_check_image_rejects_with_actionable_message(array, message):
    with pytest.raises(InputError, match=message):
        check_image(array)


def test_check_mask_binarises_and_converts_bool():
    assert check_mask(np.array([[True, False]])).tolist() == [[255, 0]]
    assert check_mask(np.array([[0, 127, 128, 255]], np.uint8)).tolist() == [[0, 0, 255, 255]]
    assert check_mask(np.zeros((2, 3, 1), np.uint8)).shape == (2, 3)


def test_check_mask_size_mismatch_names_both_sizes():
    with pytest.raises(InputError, match=r"mask is 4x3 but the image is 6x5.*resize"):
        check_mask(np.zeros((3, 4), np.uint8), (5, 6))


def test_check_mask_rejects_rgb_and_float():
    with pytest.raises(InputError, match="H x W"):
        check_mask(np.zeros((3, 4, 3), np.uint8))
    with pytest.raises(InputError, match="uint8 or bool"):
        check_mask(np.zeros((3, 4), np.float32))


def test_float_round_trip():
    img = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, 2)
    f = as_float(img)
    assert f.dtype == np.float32 and f.max() == 1.0 and f.min() == 0.0
    assert np.array_equal(as_uint8(f), img)
