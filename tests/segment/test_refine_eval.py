"""Unit tests of the shared mask plumbing and the evaluation metrics."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.core.io import write_mask
from retouch.segment.evaluate import dataset, evaluate, score_masks
from retouch.segment.refine import (
    binarize,
    fill_holes,
    guided_upsample,
    overlay,
    remove_specks,
    to_confidence,
)


def test_score_masks_by_hand():
    pred = np.array([[1, 1, 0, 0]], np.uint8)
    truth = np.array([[1, 0, 1, 0]], np.uint8)
    iou, f1, precision, recall = score_masks(pred, truth)
    assert (iou, f1, precision, recall) == pytest.approx((1 / 3, 0.5, 0.5, 0.5))
    assert score_masks(np.zeros((2, 2)), np.zeros((2, 2))) == (1.0, 1.0, 1.0, 1.0)
    assert score_masks(np.zeros((2, 2)), np.ones((2, 2)))[:3] == (0.0, 0.0, 0.0)


def test_remove_specks_and_fill_holes():
    mask = np.zeros((20, 20), np.uint8)
    mask[2:12, 2:12] = 255
    mask[5, 5] = 0  # a pinhole
    mask[17, 17] = 255  # a speck
    clean = fill_holes(remove_specks(mask, 4), 4)
    assert clean[17, 17] == 0 and clean[5, 5] == 255
    assert clean[2:12, 2:12].all() and clean.sum() == 100 * 255


def test_fill_holes_keeps_large_holes_and_the_border():
    mask = np.full((20, 20), 255, np.uint8)
    mask[5:15, 5:15] = 0
    mask[0, 0] = 0
    assert np.array_equal(fill_holes(mask, 10), mask)


def test_guided_upsample_follows_the_image_edge():
    image = np.zeros((64, 64, 3), np.uint8)
    image[:, 29:] = 255  # the edge is at column 29, not on the coarse grid
    coarse = np.zeros((8, 8), np.float32)
    coarse[:, 4:] = 1.0
    soft = guided_upsample(coarse, image)
    assert soft.shape == (64, 64) and soft.dtype == np.float32
    mask = binarize(soft)
    assert (mask[:, 31:] == 255).all() and (mask[:, :26] == 0).all()
    assert (mask[:, 29] == 255).mean() > 0.9


def test_confidence_and_overlay():
    assert to_confidence(np.array([[0.0, 0.5, 1.0]])).tolist() == [[0, 128, 255]]
    image = np.zeros((10, 10, 3), np.uint8)
    mask = np.zeros((10, 10), np.uint8)
    mask[2:8, 2:8] = 255
    out = overlay(image, mask)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert out[5, 5].any() and not out[0, 0].any()


def _tiny_set(root, with_labels=False):
    (root / "images").mkdir()
    truth = root / ("labels" if with_labels else "masks")
    truth.mkdir()
    image = np.zeros((32, 32, 3), np.uint8)
    image[:] = (30, 60, 200)
    image[8:24, 8:24] = (224, 172, 138)
    from retouch.core.io import write_image

    write_image(root / "images" / "a.png", image)
    gt = np.zeros((32, 32), np.uint8)
    gt[8:24, 8:24] = 2 if with_labels else 255
    write_mask(truth / "a.png", gt)
    return root


def test_evaluate_on_a_tiny_set(tmp_path):
    result = evaluate("skin", "ycrcb", _tiny_set(tmp_path))
    assert result.mean("iou") == pytest.approx(1.0)
    summary = result.summary()
    assert summary["count"] == 1 and summary["worst"][0][0] == "a"


def test_evaluate_reads_label_classes(tmp_path):
    data = _tiny_set(tmp_path, with_labels=True)
    assert evaluate("skin", "ycrcb", data, classes=(2,)).mean("iou") == pytest.approx(1.0)
    assert evaluate("skin", "ycrcb", data, classes=(3,)).mean("iou") == 0.0


def test_dataset_errors(tmp_path):
    with pytest.raises(InputError, match="images/"):
        dataset(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    with pytest.raises(InputError, match="ground truth"):
        dataset(tmp_path)


def test_feather_fades_only_at_inner_borders():
    from retouch.segment.person.base import _feather

    weight = _feather((0, 10, 40, 30), (50, 50))  # touches the top image border only
    assert weight.shape == (40, 20)
    assert weight[0, 10] == 1.0  # image border: no fade
    assert weight[-1, 10] < 0.2 and weight[20, 0] < 0.2  # inner borders fade
    assert weight[20, 10] == 1.0


def test_tiles_cover_the_image():
    from retouch.segment.face.detect import _tiles

    covered = np.zeros((300, 500), bool)
    for y0, x0, y1, x1 in _tiles(300, 500, 180):
        assert y1 - y0 == 180 and x1 - x0 == 180
        covered[y0:y1, x0:x1] = True
    assert covered.all()
