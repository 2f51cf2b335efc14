import numpy as np

from retouch.core.masks import dilate, erode, hole_boxes, merge_boxes, resize_mask


def test_resize_mask_stays_binary():
    m = np.zeros((10, 10), np.uint8)
    m[2:5, 2:5] = 255
    out = resize_mask(m, (23, 17))
    assert out.shape == (23, 17) and set(np.unique(out)) <= {0, 255}


def test_dilate_and_erode_by_radius():
    m = np.zeros((21, 21), np.uint8)
    m[10, 10] = 255
    grown = dilate(m, 3)
    assert grown[10, 13] == 255 and grown[10, 14] == 0
    assert erode(grown, 3)[10, 10] == 255 and erode(grown, 3).sum() == 255
    assert dilate(m, 0) is m


def test_hole_boxes_context_and_clipping():
    m = np.zeros((100, 100), np.uint8)
    m[10:20, 10:20] = 255
    assert hole_boxes(m, context=0.5, min_margin=5) == [(5, 5, 25, 25)]
    assert hole_boxes(m, context=0.0, min_margin=50) == [(0, 0, 70, 70)]


def test_hole_boxes_merge_overlapping_and_keep_separate():
    m = np.zeros((200, 200), np.uint8)
    m[10:20, 10:20] = 255
    m[10:20, 35:45] = 255  # close: boxes overlap -> merged
    m[150:160, 150:160] = 255  # far: its own box
    boxes = hole_boxes(m, context=1.0, min_margin=8)
    assert len(boxes) == 2
    assert boxes[0][1] <= 10 and boxes[0][3] >= 45


def test_merge_boxes_is_transitive():
    assert merge_boxes([(0, 0, 10, 10), (20, 20, 30, 30), (5, 5, 25, 25)]) == [(0, 0, 30, 30)]


def test_hole_boxes_reach_bounds_the_context_of_a_long_thin_stroke():
    """A 20 px wire across a 3000 x 2000 mask gets 256 px of context, not the whole mask
    (context 1.0 x its 2400 px length); a compact blob keeps context x its longest side."""
    wire = np.zeros((2000, 3000), np.uint8)
    wire[990:1010, 300:2700] = 255
    assert hole_boxes(wire, context=1.0, min_margin=48) == [(0, 0, 2000, 3000)]
    assert hole_boxes(wire, context=1.0, min_margin=48, reach=8.0) == [(734, 44, 1266, 2956)]
    blob = np.zeros((2000, 3000), np.uint8)
    blob[900:1100, 1400:1600] = 255  # 200 px thick: 8 x 200 > its context of 200
    assert hole_boxes(blob, context=1.0, min_margin=48, reach=8.0) == hole_boxes(
        blob, context=1.0, min_margin=48
    )
