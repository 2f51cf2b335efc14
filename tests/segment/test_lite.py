"""The bundled models run with ai-edge-litert: anchors, decoding, rotated mesh crops."""

from __future__ import annotations

import builtins

import cv2
import numpy as np
import pytest

from retouch.core.io import read_image
from retouch.segment import lite
from retouch.segment.face import detect
from retouch.segment.face.detect import FULL, SHORT, Face, _anchors, _weighted_nms
from retouch.segment.face.mesh import _crop, _roi, mesh_for_face
from retouch.segment.models import MissingModelError


def test_anchor_layouts_by_hand():
    short, full = _anchors(SHORT), _anchors(FULL)
    assert short.shape == (16 * 16 * 2 + 8 * 8 * 6, 2)  # 896, as the model outputs
    assert full.shape == (48 * 48, 2)  # 2304
    assert short[0].tolist() == [4.0, 4.0] and short[1].tolist() == [4.0, 4.0]
    assert short[2].tolist() == [12.0, 4.0]  # next cell along x
    assert short[512].tolist() == [8.0, 8.0] and short[-1].tolist() == [120.0, 120.0]
    assert full[48].tolist() == [2.0, 6.0]  # second row of the stride-4 grid


def test_weighted_nms_averages_a_cluster_and_keeps_separate_faces():
    def points(cx, cy, size):
        p = np.zeros((8, 2), np.float32)
        p[0], p[1] = (cx, cy), (size, size)
        p[2:] = (cx, cy)
        return p

    pts = np.stack([points(50, 50, 20), points(54, 50, 20), points(150, 50, 20)])
    faces = _weighted_nms(pts, np.array([0.9, 0.3, 0.8]))
    assert len(faces) == 2
    first = faces[0]
    assert first.score == pytest.approx(0.9)
    assert first.center[0] == pytest.approx((50 * 0.9 + 54 * 0.3) / 1.2)  # weighted by score
    assert faces[1].center == pytest.approx((150, 50))


def test_roi_levels_the_eyes():
    kps = np.zeros((6, 2), np.float32)
    kps[0], kps[1] = (40, 50), (60, 50)  # level eyes
    face = Face((30, 30, 70, 70), 0.9, kps)
    centre, side, angle = _roi(face)
    assert centre.tolist() == [50, 50] and side == pytest.approx(60) and angle == pytest.approx(0)
    kps[1] = (40 + 20 * np.cos(np.pi / 6), 50 + 20 * np.sin(np.pi / 6))  # head tilted 30 deg
    assert _roi(Face((30, 30, 70, 70), 0.9, kps))[2] == pytest.approx(np.pi / 6, abs=1e-5)


@pytest.mark.parametrize("angle", [0.0, 0.5])
@pytest.mark.parametrize("side", [60.0, 900.0])  # 900: shrunk before the warp
def test_crop_matrix_takes_crop_pixels_back_to_the_image(angle, side):
    image = np.zeros((1000, 1000, 3), np.uint8)
    centre = np.array([500.0, 480.0])
    dot = centre + np.array([0.2, 0.1]) * side
    cv2.circle(image, (round(dot[0]), round(dot[1])), max(2, round(side / 40)), (255, 255, 255), -1)
    crop, to_image = _crop(image, centre, side, angle)
    assert crop.shape == (192, 192, 3)
    vs, us = np.nonzero(crop[..., 0] > 127)
    back = to_image[:, :2] @ np.array([us.mean(), vs.mean()]) + to_image[:, 2]
    assert np.abs(back - dot).max() < side / 192 + 1  # within a crop pixel


def test_litert_missing_names_the_install(monkeypatch, segment_extra):
    real_import = builtins.__import__

    def no_litert(name, *args, **kwargs):
        if name.startswith("ai_edge_litert"):
            raise ImportError("no ai_edge_litert")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(lite, "_interpreters", {})
    monkeypatch.setattr(builtins, "__import__", no_litert)
    with pytest.raises(MissingModelError, match="ai-edge-litert"):
        lite.invoke("face-mesh", np.zeros((1, 192, 192, 3), np.float32))


@pytest.mark.quality
def test_a_face_is_found_the_same_whole_or_in_a_tile(shared_data, segment_extra):
    """The decoding undoes the letterbox and adds the tile offset: the astronaut's face
    found in the whole photo and in a 300 px tile around it lands in the same place."""
    image = read_image(shared_data / "people" / "astronaut.jpg")
    whole = detect._detect_in(image, FULL, 0.6)
    tile = detect._detect_in(image[20:320, 60:360], FULL, 0.6, (60, 20))
    assert len(whole) == 1 and len(tile) == 1
    assert np.abs(np.subtract(whole[0].box, tile[0].box)).max() < 12
    mesh = mesh_for_face(image, tile[0])
    assert mesh is not None and mesh.shape == (468, 3)
    x0, y0, x1, y1 = whole[0].box
    inside = (mesh[:, 0] > x0 - 15) & (mesh[:, 0] < x1 + 15) & (mesh[:, 1] > y0 - 25)
    inside &= mesh[:, 1] < y1 + 25
    assert inside.mean() > 0.95


def test_the_mesh_refuses_a_crop_without_a_face(segment_extra):
    kps = np.array([[40, 50], [60, 50], [50, 60], [50, 70], [30, 50], [70, 50]], np.float32)
    grey = np.full((120, 120, 3), 128, np.uint8)
    assert mesh_for_face(grey, Face((30, 30, 70, 70), 0.9, kps)) is None
