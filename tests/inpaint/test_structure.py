"""Lines that continue: edge stubs at a hole's border, joined across it, and the fill
that keeps to them (inpaint/patchmatch/structure.py)."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.inpaint import erase
from retouch.inpaint.patchmatch import structure as S


def _table(h=96, w=128, noise=6.0, seed=0):
    """A grey textured backdrop with a dark table whose top-left corner is at (x 40, y 50)."""
    rng = np.random.default_rng(seed)
    img = rng.normal(170, noise, (h, w, 3))
    img[50:, 40:] = rng.normal(30, noise * 0.7, (h - 50, w - 40, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _hole(h, w, y0, y1, x0, x1):
    m = np.zeros((h, w), np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


def test_a_straight_edge_gives_a_stub_on_each_side_joined_into_one_line():
    img = np.full((64, 64, 3), 200, np.float32)
    img[32:] = 40
    hole = _hole(64, 64, 20, 44, 20, 44) > 0
    rays = S.find_rays(img, hole)
    assert len(rays) == 2
    for ray in rays:
        assert abs(ray.origin[1] - 31.5) < 1.0  # on the edge, between rows 31 and 32
        assert abs(abs(ray.direction[0]) - 1) < 0.01  # horizontal, pointing into the hole
        assert (ray.direction[0] > 0) == (ray.origin[0] < 32)
    lines = S.connect(rays, hole)
    assert len(lines) == 1 and len(lines[0]) == 2


def test_two_edges_whose_lines_cross_in_the_hole_meet_in_a_corner():
    img = _table(noise=0).astype(np.float32)
    hole = _hole(96, 128, 10, 60, 28, 110) > 0
    lines = S.connect(S.find_rays(img, hole), hole)
    assert len(lines) == 1
    corner = lines[0][1]
    assert np.allclose(corner, (39.5, 49.5), atol=1.5)


def test_no_line_is_invented_in_texture_or_for_an_edge_that_ends():
    rng = np.random.default_rng(1)
    noise = np.clip(rng.normal(128, 10, (80, 80, 3)), 0, 255).astype(np.float32)
    hole = _hole(80, 80, 25, 55, 25, 55) > 0
    assert S.connect(S.find_rays(noise, hole), hole) == []
    pole = np.full((80, 80, 3), 200, np.float32)
    pole[:, 38:42] = 30  # a dark pole that enters from the top only: nothing to join
    pole[40:] = 200
    assert S.connect(S.find_rays(pole, hole), hole) == []


def test_the_barrier_fill_takes_each_side_of_the_line_from_its_own_side():
    img = _table(noise=0).astype(np.float32)
    hole = _hole(96, 128, 10, 60, 28, 110) > 0
    lines = S.connect(S.find_rays(img, hole), hole)
    out = S.barrier_fill(img, hole, lines)
    assert out[20:46, 30:108].mean() > 150  # above the continued table top: backdrop
    assert out[53:59, 44:108].mean() < 60  # inside the corner: table
    assert np.array_equal(out[~hole], img[~hole])


@pytest.mark.parametrize("bottom, right", [(60, 110), (62, 100)])
def test_erase_keeps_a_table_below_its_continued_edge(bottom, right):
    """A hole over the corner of a dark table, reaching a little into it (as a rough mask
    does): without the guide the table grows up into the hole (12-21 % of the pixels
    above its edge turn dark); with the guide and its continued edges none do, and the
    table's corner is kept whole (the guide without lines loses up to 15 % of it)."""
    img = _table()
    mask = _hole(96, 128, 10, bottom, 28, right)
    above = np.s_[10:47, 28:right]
    below = np.s_[53:bottom, 43:right]
    old = erase(img, mask, guide=0).astype(np.float32).mean(axis=2)
    new = erase(img, mask).astype(np.float32).mean(axis=2)
    assert (old[above] < 100).mean() > 0.1  # the mound: what the guide fixes is there
    assert (new[above] < 100).mean() < 0.01
    assert (new[below] < 100).mean() > 0.99


def test_a_round_object_beside_the_hole_is_not_extended_into_it():
    """The tangents of a ball's outline would meet in a point inside the hole; a curved
    outline is no straight stub, so nothing is joined and the ball is not grown."""
    rng = np.random.default_rng(0)
    img = rng.normal(120, 6, (96, 128, 3)).clip(0, 255).astype(np.float32)
    ys, xs = np.mgrid[:96, :128]
    img[(ys - 48) ** 2 + (xs - 29) ** 2 <= 100] = (250, 230, 40)
    hole = _hole(96, 128, 28, 68, 40, 100) > 0
    assert S.connect(S.find_rays(img, hole), hole) == []


def _slanted(h=96, w=128, continues=True):
    """Light above, dark below the line y = 0.6 x + 10; with ``continues`` False the
    dark side stops at x 66 (the edge ends inside the hole below)."""
    yy, xx = np.mgrid[:h, :w]
    img = np.full((h, w, 3), 200, np.float32)
    dark = yy > 0.6 * xx + 10
    if not continues:
        dark &= xx < 66
    img[dark] = 40
    return img


@pytest.mark.parametrize("continues", [True, False])
def test_a_lone_stub_is_carried_to_its_exit_only_where_the_edge_goes_on(continues):
    img = _slanted(continues=continues)
    hole = _hole(96, 128, 20, 50, 30, 70) > 0
    rays = [r for r in S.find_rays(img, hole) if r.origin[0] < 31]  # the stub on the left
    assert len(rays) == 1
    lines = S.connect(rays, hole, img)
    assert len(S.connect(rays, hole)) == 0  # without the image, a lone stub stays alone
    if not continues:
        assert lines == []
        return
    assert len(lines) == 1
    (x0, y0), (x1, y1) = lines[0]
    assert abs(y0 - (0.6 * x0 + 10)) < 1.5 and abs(y1 - (0.6 * x1 + 10)) < 1.5
    assert 49 <= y1 <= 51.5 and 63 <= x1 <= 70  # where the line leaves the hole's bottom
