"""Unit tests of ink finding and filling on tiny synthetic inputs (no network)."""

from __future__ import annotations

import numpy as np
import pytest

import retouch
from retouch.core.errors import InputError
from retouch.tattoo import ink
from retouch.tattoo.classical import InkSettings, find_ink
from retouch.tattoo.fill import harmonise, nearby_skin
from tests.tattoo.conftest import FAST, SKIN, skin_patch, with_line

CLASSICAL = {"method": "classical-fill", **FAST}  # these are the no-network method's tests


def test_a_dark_line_on_skin_is_ink_and_the_skin_is_not(inked):
    image, line = inked
    found = find_ink(image, np.ones(line.shape, bool) & ~line, InkSettings())
    assert found[line].mean() > 0.95
    far = ~ink.clean_ink(line, min_area=1, close_px=0, grow_px=3)
    assert found[far].mean() < 0.01


def test_the_detector_finds_the_line_through_the_skin_segmenter(inked):
    image, line = inked
    mask = retouch.detect_tattoos(image, **CLASSICAL)
    assert mask.dtype == np.uint8 and mask.shape == line.shape
    assert set(np.unique(mask)) <= {0, 255}
    assert (mask[line] > 0).mean() > 0.95
    assert (mask > 0).mean() < 0.2  # the line (10 %) and its slight growth, not the skin


def test_plain_skin_with_a_shadow_has_no_ink():
    image = skin_patch().astype(np.float32)
    image[:, 32:] *= 0.88  # a soft shadow keeps the hue of skin
    image = image.astype(np.uint8)
    assert not retouch.detect_tattoos(image, **CLASSICAL).any()


def test_green_blue_old_ink_scores_by_hue_not_darkness():
    image = skin_patch()
    lab = ink.to_lab(image)
    mean = ink.skin_model(lab, np.ones(image.shape[:2], bool), sigma=8.0)
    green = image.copy()
    green[20:40, 20:40] = (120, 150, 150)  # as light as skin, off its hue
    score = ink.ink_score(ink.to_lab(green), mean, dark=0.9)
    assert score[30, 30] >= 1.0 and score[5, 5] < 1.0


def test_the_skin_model_ignores_the_ink_inside_the_skin_mask(inked):
    image, line = inked
    lab = ink.to_lab(image)
    mean = ink.skin_model(lab, np.ones(line.shape, bool), sigma=6.0, rounds=2)
    expected = ink.to_lab(np.full((1, 1, 3), SKIN, np.uint8))[0, 0, 0]
    assert abs(float(mean[31, 32, 0]) - float(expected)) < 4.0


def test_fill_holes_and_between_skin_by_hand():
    ring = np.zeros((9, 9), bool)
    ring[2:7, 2:7] = True
    ring[3:6, 3:6] = False
    assert ink.fill_holes(ring)[4, 4] and not ink.fill_holes(ring)[0, 0]
    bars = np.zeros((5, 9), bool)
    bars[:, 0] = bars[:, 8] = True
    between = ink.between_skin(bars, reach_px=8)
    assert between[2, 4] and not ink.between_skin(bars, reach_px=3)[2, 4]


def test_hysteresis_keeps_weak_pixels_joined_to_strong_ones():
    score = np.array([[1.2, 0.8, 0.8, 0.0, 0.8]], np.float32)
    assert ink.hysteresis(score, high=1.0, low=0.7).tolist() == [[True, True, True, False, False]]


@pytest.mark.parametrize("fill", ["telea", "patchmatch"])
def test_only_the_mask_changes_and_the_rest_is_bit_identical(inked, fill):
    image, line = inked
    mask = np.where(ink.clean_ink(line, min_area=1, close_px=0, grow_px=2), 255, 0).astype(np.uint8)
    out = retouch.remove_tattoos(image, mask=mask, fill=fill, **CLASSICAL)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.array_equal(out[mask == 0], image[mask == 0])
    ink_left = np.abs(out[line].astype(int) - np.array(SKIN)).mean()
    assert ink_left < 25, f"the line is still there (mean distance to skin {ink_left:.0f})"


def test_detected_removal_changes_only_the_detected_mask(inked):
    image, _ = inked
    mask = retouch.detect_tattoos(image, **CLASSICAL)
    out = retouch.remove_tattoos(image, **CLASSICAL)
    assert np.array_equal(out[mask == 0], image[mask == 0])
    assert not np.array_equal(out, image)


def test_an_empty_mask_returns_the_image_unchanged(inked):
    image, _ = inked
    out = retouch.remove_tattoos(image, mask=np.zeros(image.shape[:2], np.uint8), **CLASSICAL)
    assert np.array_equal(out, image)


def test_harmonise_moves_the_fill_to_the_skin_colour_and_nothing_else():
    image = skin_patch(noise=0.0)
    hole = np.zeros(image.shape[:2], bool)
    hole[20:44, 20:44] = True
    filled = image.copy()
    filled[hole] = np.clip(filled[hole].astype(int) + 30, 0, 255)  # a fill too light
    out = harmonise(filled, hole, ~hole, sigma=6.0)
    assert np.array_equal(out[~hole], filled[~hole])
    assert np.abs(out[hole].astype(int) - image[hole]).mean() < 8


def test_nearby_skin_is_skin_outside_the_mask_within_reach():
    skin = np.ones((20, 20), bool)
    mask = np.zeros((20, 20), bool)
    mask[8:12, 8:12] = True
    near = nearby_skin(skin, mask, reach_px=3)
    assert not near[mask].any() and near[7, 9] and not near[0, 0]


def test_bad_inputs_and_options_are_one_clear_error(inked):
    image, _ = inked
    with pytest.raises(InputError, match="option dark must be"):
        retouch.remove_tattoos(image, method="classical-fill", dark=7)
    with pytest.raises(InputError, match="skin must be one of"):
        retouch.detect_tattoos(image, skin="nope")
    with pytest.raises(InputError, match="H x W x 3"):
        retouch.detect_tattoos(image[..., 0], **CLASSICAL)
    with pytest.raises(InputError, match="the image is 64x64"):
        retouch.remove_tattoos(image, mask=np.zeros((8, 8), np.uint8), **CLASSICAL)


def test_a_photo_larger_than_the_working_size_keeps_every_other_pixel():
    image, line = with_line(skin_patch(720, 900, seed=2), row=300, width=6)
    mask = retouch.detect_tattoos(image, **CLASSICAL)
    assert mask.shape == (720, 900) and (mask[line] > 0).mean() > 0.95
    out = retouch.remove_tattoos(image, fill="telea", **CLASSICAL)
    assert np.array_equal(out[mask == 0], image[mask == 0])
    assert (out[line].astype(int) - image[line]).any()


def test_a_mask_over_nearly_all_the_nearby_skin_fills_from_the_photo_instead_of_failing():
    # skin is a thin ring around the mask: no 7x7 patch fits in it, so the fill must use
    # the rest of the photo rather than refuse the user's mask
    from retouch.tattoo.fill import fill_tattoo

    rng = np.random.default_rng(0)
    image = np.clip(rng.normal(150, 10, (64, 64, 3)), 0, 255).astype(np.uint8)
    mask = np.zeros((64, 64), bool)
    mask[16:48, 16:48] = True
    skin = np.zeros((64, 64), bool)
    skin[14:50, 14:50] = True  # 2 px of skin around the mask
    out = fill_tattoo(image, mask, skin, fill="patchmatch", reach_px=4)
    assert np.array_equal(out[~mask], image[~mask])
    assert abs(float(out[mask].mean()) - float(image[~mask].mean())) < 10
