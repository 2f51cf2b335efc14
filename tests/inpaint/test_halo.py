"""grow_to_halo and erase's grow_halo: tiny synthetic photos with answers known by hand."""

import cv2
import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.core.masks import dilate
from retouch.inpaint import base, erase
from retouch.inpaint.halo import MAX_HALO_PX, grow_to_halo

OBJECT = np.array([30.0, 40.0, 160.0])  # a blue object on a warm grey backdrop
BACKDROP = np.array([210.0, 200.0, 190.0])


def disk_photo(size=64, radius=12.0, ramp=2.0, centre=None):
    """A solid disk whose edge falls linearly to the backdrop over ``ramp`` px.

    Returns the photo, the mask of the solid disk only (what a rough user paints),
    the alpha of the object (1 inside, 0 on the backdrop) and each pixel's distance
    from the disk's centre.
    """
    cy = cx = (size - 1) / 2 if centre is None else centre
    yy, xx = np.mgrid[:size, :size]
    r = np.hypot(yy - cy, xx - cx)
    alpha = np.clip((radius + ramp - r) / ramp, 0.0, 1.0)
    photo = alpha[..., None] * OBJECT + (1 - alpha[..., None]) * BACKDROP
    mask = np.where(r <= radius, 255, 0).astype(np.uint8)
    return np.rint(photo).astype(np.uint8), mask, alpha, r


def distance_to(mask: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance of every pixel to the nearest pixel of ``mask``."""
    ys, xs = np.nonzero(mask)
    yy, xx = np.mgrid[: mask.shape[0], : mask.shape[1]]
    d2 = (yy[..., None] - ys) ** 2 + (xx[..., None] - xs) ** 2
    return np.sqrt(d2.min(axis=2))


def test_the_grown_mask_covers_the_ramp_and_stops_at_the_backdrop():
    photo, mask, alpha, _ = disk_photo()
    grown = grow_to_halo(photo, mask)
    assert grown.dtype == np.uint8 and grown.shape == mask.shape
    assert set(np.unique(grown)) == {0, 255}
    ramp = (alpha > 0) & (mask == 0)
    assert ramp.sum() > 100  # the ramp is there to be found
    # every ramp pixel with 5 % of the object or more joins (alpha 0.027 is 2 Delta E
    # from the backdrop, under the 2.5 Delta E a flat backdrop asks for)
    assert (grown[ramp & (alpha >= 0.05)] == 255).all()
    assert (grown[alpha == 0] == 0).all()  # not one backdrop pixel
    assert (grown[mask > 0] == 255).all()


def test_a_textured_backdrop_without_halo_adds_almost_nothing():
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.normal(0, 40, (64, 64, 3)).astype(np.float32), (0, 0), 1.5)
    photo = np.clip(texture + rng.normal(128, 8, (64, 64, 3)), 0, 255).astype(np.uint8)
    _, mask, _, _ = disk_photo(ramp=1e-6)
    photo[mask > 0] = OBJECT.astype(np.uint8)  # a hard-edged object: no halo at all
    added = (grow_to_halo(photo, mask) > 0) & (mask == 0)
    one_px = (dilate(mask, 1) > 0) & (mask == 0)  # what the smallest dilation would add
    assert added.sum() <= 0.5 * one_px.sum()  # 30 px against 68 when written


def test_a_flat_backdrop_with_jpeg_like_noise_adds_nothing():
    rng = np.random.default_rng(1)
    photo = np.clip(rng.normal(BACKDROP, 1.0, (64, 64, 3)), 0, 255).astype(np.uint8)
    _, mask, _, _ = disk_photo(ramp=1e-6)
    photo[mask > 0] = OBJECT.astype(np.uint8)
    assert np.array_equal(grow_to_halo(photo, mask), mask)


def test_max_px_is_respected():
    photo, mask, alpha, _ = disk_photo(ramp=4.0)  # a halo wider than the growth allowed
    far = distance_to(mask)
    for max_px in (2, 3):
        added = (grow_to_halo(photo, mask, max_px=max_px) > 0) & (mask == 0)
        within = (alpha > 0) & (mask == 0) & (far <= max_px)
        assert added.sum() >= 0.8 * within.sum()  # it grows into the halo ...
        assert far[added].max() <= max_px + 1e-6  # ... but never farther than max_px
    assert np.array_equal(grow_to_halo(photo, mask, max_px=0), mask)


def test_a_mask_cut_by_the_image_border_grows_only_inside_the_image():
    photo, mask, alpha, _ = disk_photo(size=40, radius=10.0, centre=0.0)  # a quarter disk
    grown = grow_to_halo(photo, mask)
    assert grown.shape == (40, 40)
    assert (grown[(alpha > 0.2) & (mask == 0)] == 255).all()
    assert (grown[alpha == 0] == 0).all()  # nothing on the far sides or wrapped around


def test_it_never_grows_into_the_whole_image():
    photo, _, _, _ = disk_photo(size=24)
    mask = np.full((24, 24), 255, np.uint8)
    mask[0] = 0  # one row of halo-coloured pixels and no backdrop beyond it to compare with
    photo[0] = (120, 120, 175)
    assert np.array_equal(grow_to_halo(photo, mask), mask)
    assert np.array_equal(grow_to_halo(photo, np.zeros_like(mask)), np.zeros_like(mask))


def test_bad_values_are_input_errors():
    photo, mask, _, _ = disk_photo(size=16, radius=4)
    for bad in (-1, MAX_HALO_PX + 1, 2.5, True):
        with pytest.raises(InputError, match="max_px must be an integer from 0 to"):
            grow_to_halo(photo, mask, max_px=bad)
    with pytest.raises(InputError, match="min_delta one > 0"):
        grow_to_halo(photo, mask, min_delta=0)
    with pytest.raises(InputError, match="mask is 16x8 but the image is 16x16"):
        grow_to_halo(photo, mask[:8])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, f"grow_halo must be an integer from 0 to {MAX_HALO_PX}, got -1"),
        (MAX_HALO_PX + 1, f"grow_halo must be an integer from 0 to {MAX_HALO_PX}, got 65"),
        (1.5, f"grow_halo must be an integer from 0 to {MAX_HALO_PX}, got 1.5"),
        ("4", f"grow_halo must be an integer from 0 to {MAX_HALO_PX}, got '4'"),
    ],
)
def test_erase_refuses_a_bad_grow_halo_in_one_line(value, message):
    photo, mask, _, _ = disk_photo(size=16, radius=4)
    with pytest.raises(InputError) as err:
        erase(photo, mask, method="telea", grow_halo=value)
    assert str(err.value) == message


def test_grow_halo_0_leaves_erase_bit_identical(monkeypatch):
    photo, mask, _, _ = disk_photo()
    before = erase(photo, mask, seed=3)

    def not_called(*args, **kwargs):
        raise AssertionError("grow_to_halo ran with grow_halo=0")

    monkeypatch.setattr(base, "grow_to_halo", not_called)
    assert np.array_equal(erase(photo, mask, seed=3, grow_halo=0), before)


def test_erase_with_grow_halo_fills_the_halo_and_nothing_beyond():
    photo, mask, alpha, r = disk_photo()
    rough = erase(photo, mask, method="telea")
    grown = erase(photo, mask, method="telea", grow_halo=4)
    ring = (alpha > 0.25) & (mask == 0)
    assert np.array_equal(rough[ring], photo[ring])  # the rough mask leaves the halo ...
    assert not np.array_equal(grown[ring], photo[ring])  # ... growing fills it
    halo_error = np.abs(grown[ring].astype(int) - BACKDROP).mean()
    assert halo_error < 0.3 * np.abs(photo[ring].astype(int) - BACKDROP).mean()
    assert np.array_equal(grown[r > 12 + 4.5], photo[r > 12 + 4.5])


@pytest.mark.parametrize("value", ["-1", str(MAX_HALO_PX + 1)])
def test_the_cli_refuses_a_bad_grow_halo_in_one_line(tmp_path, capsys, value):
    from retouch.cli.main import main
    from retouch.core.io import write_image, write_mask

    photo, mask, _, _ = disk_photo(size=32, radius=8)
    write_image(tmp_path / "a.png", photo)
    write_mask(tmp_path / "m.png", mask)
    args = ["erase", str(tmp_path / "a.png"), "--mask", str(tmp_path / "m.png")]
    assert main([*args, "-o", str(tmp_path / "o.png"), "--grow-halo", value]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"grow_halo must be an integer from 0 to {MAX_HALO_PX}" in err[0]
    assert not (tmp_path / "o.png").exists()


def test_the_cli_grow_halo_fills_the_halo(tmp_path):
    from retouch.cli.main import main
    from retouch.core.io import read_image, write_image, write_mask

    photo, mask, alpha, _ = disk_photo()
    write_image(tmp_path / "a.png", photo)
    write_mask(tmp_path / "m.png", mask)
    args = ["erase", str(tmp_path / "a.png"), "--mask", str(tmp_path / "m.png")]
    assert main([*args, "-o", str(tmp_path / "rough.png"), "--method", "telea"]) == 0
    assert (
        main([*args, "-o", str(tmp_path / "grown.png"), "--method", "telea", "--grow-halo", "4"])
        == 0
    )
    ring = (alpha > 0.25) & (mask == 0)
    assert np.array_equal(read_image(tmp_path / "rough.png")[ring], photo[ring])
    assert not np.array_equal(read_image(tmp_path / "grown.png")[ring], photo[ring])
