"""The plumbing ``erase`` owns: option checks, what a mask must leave, per-hole crops."""

import re

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.inpaint import base, erase
from retouch.inpaint.base import MAX_DILATE_PX, MAX_SEED, check_erase_options
from tests.conftest import square_mask, stripes

BAD_OPTIONS = [
    ({"dilate_px": -1}, "dilate_px must be an integer from 0 to 1024, got -1"),
    ({"dilate_px": 100_000}, "dilate_px must be an integer from 0 to 1024, got 100000"),
    ({"dilate_px": 2.5}, "dilate_px must be an integer from 0 to 1024, got 2.5"),
    ({"dilate_px": "3"}, "dilate_px must be an integer from 0 to 1024, got '3'"),
    ({"dilate_px": True}, "dilate_px must be an integer from 0 to 1024, got True"),
    ({"seed": -1}, "seed must be an integer from 0 to 4294967295, got -1"),
    ({"seed": 2**32}, "seed must be an integer from 0 to 4294967295, got 4294967296"),
    ({"seed": 1.0}, "seed must be an integer from 0 to 4294967295, got 1.0"),
    ({"seed": None}, "seed must be an integer from 0 to 4294967295, got None"),
    ({"context": -0.5}, "context must be a number >= 0"),
    ({"context": float("nan")}, "context must be a number >= 0"),
    ({"context": float("inf")}, "context must be a number >= 0"),
    ({"context": "1"}, "context must be a number >= 0"),
    ({"min_context": -1}, "min_context must be an integer >= 0, got -1"),
    ({"min_context": 4.0}, "min_context must be an integer >= 0, got 4.0"),
]


@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS)
def test_a_bad_option_is_one_line_before_any_work(monkeypatch, options, message):
    def no_work(*args, **kwargs):
        raise AssertionError("erase started working before checking its options")

    monkeypatch.setattr(base, "check_image", no_work)
    monkeypatch.setattr(base, "dilate", no_work)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        erase(stripes(), square_mask(), method="telea", **options)
    assert "\n" not in str(caught.value)


def test_check_erase_options_accepts_the_limits_and_numpy_integers():
    check_erase_options(dilate_px=MAX_DILATE_PX, seed=MAX_SEED, context=0.0, min_context=0)
    check_erase_options(dilate_px=np.int64(3), seed=np.uint32(7), context=np.float32(0.5))
    assert (MAX_DILATE_PX, MAX_SEED) == (1024, 2**32 - 1)
    with pytest.raises(InputError, match="dilate_px"):
        check_erase_options(dilate_px=MAX_DILATE_PX + 1, seed=0)
    with pytest.raises(InputError, match="seed"):
        check_erase_options(dilate_px=0, seed=MAX_SEED + 1)


def test_the_largest_seed_fills():
    img = np.random.default_rng(3).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    mask = square_mask(48, 48, 18, 30, 18, 30)
    out = erase(img, mask, method="patchmatch", seed=MAX_SEED)
    assert np.array_equal(out[mask == 0], img[mask == 0])


def test_a_full_mask_says_how_much_it_covers():
    with pytest.raises(InputError, match=r"covers the whole image \(64 of 64 pixels\)"):
        erase(np.zeros((8, 8, 3), np.uint8), np.full((8, 8), 255, np.uint8), method="telea")


def test_a_mask_dilated_over_everything_says_so():
    mask = np.zeros((8, 8), np.uint8)
    mask[4, 4] = 255
    with pytest.raises(InputError, match=r"grown by dilate_px=10\) covers the whole image"):
        erase(np.zeros((8, 8, 3), np.uint8), mask, method="telea", dilate_px=10)


def test_one_masked_pixel_is_not_called_the_whole_image(rng):
    img = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    mask = np.zeros((8, 8), np.uint8)
    mask[4, 4] = 255
    out = erase(img, mask, method="telea")  # diffusion needs only the neighbours
    assert np.array_equal(out[mask == 0], img[mask == 0])
    with pytest.raises(InputError, match=r"^no 7x7 patch fits in the source area") as caught:
        erase(img, mask, method="patchmatch")  # the method's own, truthful refusal
    assert "whole image" not in str(caught.value)


def test_a_source_the_mask_covers_says_so():
    source = square_mask(32, 32, 8, 12, 8, 12)  # 16 pixels, all under the mask
    with pytest.raises(InputError, match="covers all 16 pixels of the source region"):
        erase(stripes(32, 32), square_mask(32, 32, 4, 16, 4, 16), source=source)


def test_an_empty_source_says_so():
    with pytest.raises(InputError, match="source mask is empty"):
        erase(stripes(32, 32), square_mask(32, 32), source=np.zeros((32, 32), np.uint8))


def test_a_small_hole_in_a_large_photo_fills_only_a_crop(monkeypatch, rng):
    crops = []
    real_create = base.create

    def spying_create(task, name, **options):
        method = real_create(task, name, **options)

        def spy(image, mask, **kwargs):
            crops.append((image.shape[:2], np.count_nonzero(mask)))
            return method(image, mask, **kwargs)

        return spy

    monkeypatch.setattr(base, "create", spying_create)
    img = rng.integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    mask = np.zeros((1200, 1600), np.uint8)
    mask[600:620, 800:830] = 255
    out = erase(img, mask, method="patchmatch")
    assert len(crops) == 1
    (h, w), holes = crops[0]
    assert holes == 20 * 30 and h * w < 0.01 * img.shape[0] * img.shape[1], crops
    assert np.array_equal(out[mask == 0], img[mask == 0])
    assert not np.array_equal(out[mask > 0], img[mask > 0])
