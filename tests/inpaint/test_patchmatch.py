"""What sets patchmatch apart from diffusion: it continues texture and respects sources."""

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.inpaint import erase
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


def test_invalid_patch_size():
    with pytest.raises(ValueError, match="odd number"):
        erase(stripes(), square_mask(), method="patchmatch", patch_size=4)


def test_large_image_small_hole_only_touches_a_crop(rng):
    img = rng.integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    mask = np.zeros((1200, 1600), np.uint8)
    mask[600:620, 800:830] = 255
    out = erase(img, mask, method="patchmatch")
    assert np.array_equal(out[mask == 0], img[mask == 0])


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
