"""Unit tests of the skin methods on tiny synthetic images."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.core.registry import create, list_methods
from retouch.segment.skin.bayes import BINS, ColourTable, bin_index, load_table, table_path
from retouch.segment.skin.rules import hsv, rgb_rule, ycrcb

CLASSICAL = ["hsv", "ycrcb", "rgb-rule", "bayes"]
NETWORKS = ["effnet", "u2netp"]  # our trained networks, run with onnxruntime


def _needs_models(name: str, request) -> None:
    if name in ("adaptive", *NETWORKS):  # the network checks against faces and people
        request.getfixturevalue("segment_extra")


# Not effnet: its ImageNet encoder looks at texture and shape, and training showed it flat
# fields as non-skin, so a flat skin-coloured square is not skin to it (P about 0.12).
@pytest.mark.parametrize("name", [*CLASSICAL, "u2netp", "adaptive"])
def test_skin_patch_on_blue_is_found(name, skin_patch, request):
    _needs_models(name, request)
    mask = create("skin", name)(skin_patch)
    assert (mask[18:46, 18:46] == 255).mean() > 0.95
    assert (mask[:12] == 0).all() and (mask[:, :12] == 0).all()


@pytest.mark.parametrize("name", [*CLASSICAL, *NETWORKS, "adaptive"])
def test_grey_image_has_no_skin(name, grey, request):
    _needs_models(name, request)
    assert not create("skin", name)(grey).any()


def test_every_skin_method_is_registered():
    assert {m.name for m in list_methods("skin")} == {*CLASSICAL, *NETWORKS, "adaptive"}
    assert list_methods("skin")[0].name == "effnet"  # the default comes first


def test_hsv_ranges_are_options():
    pixel = np.full((1, 1, 3), (200, 140, 110), np.uint8)  # hue 20 degrees
    assert hsv(pixel).item() == 255
    assert hsv(pixel, h_min=30, h_max=50).item() == 0
    assert hsv(pixel, h_min=340, h_max=25).item() == 255  # wraps around red


def test_ycrcb_ranges_are_options():
    pixel = np.full((1, 1, 3), (200, 140, 110), np.uint8)
    assert ycrcb(pixel).item() == 255
    assert ycrcb(pixel, cr_min=170).item() == 0


def test_rgb_rule_by_hand():
    pixels = np.array([[[200, 140, 110], [100, 100, 100], [230, 220, 200]]], np.uint8)
    assert rgb_rule(pixels, lighting="daylight").tolist() == [[255, 0, 0]]
    assert rgb_rule(pixels, lighting="flash").tolist() == [[0, 0, 255]]
    with pytest.raises(ValueError, match="lighting"):
        rgb_rule(pixels, lighting="tungsten")


def test_bin_index_by_hand():
    pixel = np.array([[[8, 16, 255]]], np.uint8)
    assert bin_index(pixel).item() == (1 << 10) | (2 << 5) | 31


def test_bayes_table_is_the_committed_record():
    path = table_path()
    record = json.loads(path.with_suffix(".json").read_text())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]
    table = load_table()
    assert table.skin.shape == table.other.shape == (BINS**3,)
    assert table.skin.sum() > 0 and table.other.sum() > 0  # counted from photos
    assert 0.05 < table.threshold < 0.95


def test_table_probability_follows_counts():
    skin = np.zeros(BINS**3, np.int64)
    other = np.zeros(BINS**3, np.int64)
    skin[5], other[6] = 100, 100
    prob = ColourTable(skin, other, 0.5).probability(smoothing=0)
    assert prob[5] > 0.99 and prob[6] < 0.01


@pytest.mark.parametrize("name", [*CLASSICAL, *NETWORKS])
def test_bad_input_is_refused(name):
    with pytest.raises(InputError, match="H x W x 3"):
        create("skin", name)(np.zeros((8, 8), np.uint8))
    with pytest.raises(InputError, match="uint8"):
        create("skin", name)(np.zeros((8, 8, 3), np.float32))


def test_unknown_option_lists_valid_ones():
    with pytest.raises(InputError, match="h_min"):
        create("skin", "hsv", hue_min=3)
