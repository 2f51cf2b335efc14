"""XDoG, the stroke tools and the SVG tracer on tiny synthetic images (no models)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.core.registry import create
from retouch.lineart.strokes import dense_ink, drop_small, hysteresis, nms, strokes
from retouch.lineart.svg import line_svg, write_svg
from retouch.lineart.xdog import xdog, xdog_ink
from tests.lineart.conftest import square


def ink_of(rgb: np.ndarray) -> np.ndarray:
    return rgb[:, :, 0] < 128


def test_xdog_on_white_paper_draws_nothing():
    out = xdog(np.full((20, 30, 3), 255, np.uint8))
    assert out.shape == (20, 30, 3) and out.dtype == np.uint8 and out.min() == 255


def test_xdog_outlines_a_black_square_and_leaves_its_inside_white():
    ink = ink_of(xdog(square()))
    assert ink[16:48, 16:19].any() and ink[16:48, 45:48].any()  # left and right sides
    assert not ink[24:40, 24:40].any()  # the square's inside
    assert not ink[:8].any() and not ink[:, :8].any()  # the white paper around it
    rows = np.flatnonzero(ink[32])
    assert rows.min() >= 14 and rows.max() <= 49  # the outline hugs the square's edge


def test_xdog_with_a_high_threshold_fills_dark_areas():
    ink = xdog_ink(np.zeros((16, 16), np.float32), epsilon=0.5, phi=100)
    assert ink.min() > 0.99  # tone mode: flat black is ink


def test_thickness_widens_the_lines():
    thin = ink_of(create("lineart", "xdog")(square())).sum()
    thick = ink_of(create("lineart", "xdog", thickness=5)(square())).sum()
    assert thick > 1.8 * thin


def test_xdog_options_are_checked_where_they_enter():
    with pytest.raises(InputError, match="option sigma must be"):
        create("lineart", "xdog", sigma=0)
    with pytest.raises(InputError, match="valid options"):
        create("lineart", "xdog", sigmaa=1)


def test_nms_thins_a_wide_ridge_to_one_pixel():
    p = np.zeros((32, 32), np.float32)
    p[:, 12:21] = np.hanning(11)[1:10][None]  # a 9 px wide ridge along y, crest at x=16
    keep = nms(p)
    assert keep[8:24, 16].all() and keep[8:24].sum(1).max() <= 2


def test_hysteresis_and_drop_small_keep_connected_long_pieces():
    cand = np.zeros((10, 20), bool)
    cand[2, 1:15] = True  # long piece, strong at one end
    cand[7, 3:6] = True  # short, weak piece
    strong = np.zeros_like(cand)
    strong[2, 1] = True
    assert (hysteresis(cand, strong) == (cand & (np.arange(10)[:, None] == 2))).all()
    assert drop_small(cand, 5).sum() == 14


def test_strokes_of_an_edge_map_follow_its_crest():
    p = np.zeros((40, 40), np.float32)
    p[:, 18:23] = [0.3, 0.7, 0.9, 0.7, 0.3]
    lines = strokes(p, low=0.2, high=0.8, min_length=5)
    assert lines[5:35, 20].all() and lines.sum(1)[5:35].max() <= 2


def test_dense_ink_marks_filled_patches_not_lines():
    ink = np.zeros((60, 60), np.float32)
    ink[5:25, 5:25] = 1.0  # a filled blob
    ink[40, :] = 1.0  # a line
    dense = dense_ink(ink, window=9)
    assert dense[15, 15] and not dense[40, 30]


def test_svg_is_valid_xml_with_one_path_per_drawing(tmp_path):
    drawing = xdog(square(), thickness=3)
    path = write_svg(tmp_path / "a.svg", drawing)
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg") and root.get("width") == "64"
    paths = [e for e in root.iter() if e.tag.endswith("path")]
    assert len(paths) == 1 and paths[0].get("d").count("M") >= 2  # outer outline and hole
    empty = ET.fromstring(line_svg(np.full((8, 8, 3), 255, np.uint8)))
    assert not [e for e in empty.iter() if e.tag.endswith("path")]
