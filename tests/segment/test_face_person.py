"""Face detection, the face mesh regions and person masks on real photos."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.core.io import read_image
from retouch.segment.face import PARTS, detect_faces, face_meshes, part_mask
from retouch.segment.face.regions import head_region
from retouch.segment.person import segment_person

pytestmark = pytest.mark.usefixtures("mediapipe_installed")


@pytest.fixture(scope="module")
def astronaut(shared_data) -> np.ndarray:
    return read_image(shared_data / "people" / "astronaut.jpg")


def test_one_face_and_its_mesh(astronaut):
    faces = detect_faces(astronaut)
    assert len(faces) == 1
    x0, y0, x1, y1 = faces[0].box
    assert 150 < (x0 + x1) / 2 < 260 and 50 < (y0 + y1) / 2 < 200
    meshes = face_meshes(astronaut, faces)
    assert len(meshes) == 1 and meshes[0].shape == (468, 3)
    assert (x0 - 20 < meshes[0][:, 0]).all() and (meshes[0][:, 0] < x1 + 20).all()


def test_parts_are_disjoint_and_inside_the_face(astronaut):
    mesh = face_meshes(astronaut)[0]
    shape = astronaut.shape[:2]
    masks = {p: part_mask(shape, mesh, p) > 0 for p in PARTS}
    for part in ("skin", "eyes", "brows", "lips"):
        assert masks[part].sum() > 50, part
    assert not (masks["skin"] & masks["eyes"]).any()
    assert not (masks["skin"] & masks["lips"]).any()
    assert (masks["eyes"] & ~masks["all"]).sum() == 0
    assert masks["skin"].sum() > 5 * (masks["eyes"].sum() + masks["lips"].sum())
    assert (head_region(shape, mesh) > 0).sum() > masks["all"].sum()


def test_every_face_of_a_group_photo(shared_data):
    """The 1927 Solvay conference photo: 29 people, faces about 60 px in 2126 px."""
    image = read_image(shared_data / "people" / "Solvay_conference_1927_Version2_2126x1463.jpg")
    faces = detect_faces(image)
    assert len(faces) >= 27
    mask = segment_person(image)
    centres = [mask[int(f.center[1]), int(f.center[0])] for f in faces]
    assert np.mean(np.array(centres) == 255) >= 0.9


def test_soft_person_mask(astronaut):
    soft = segment_person(astronaut, soft=True)
    hard = segment_person(astronaut)
    assert soft.dtype == np.uint8 and len(np.unique(soft)) > 10
    assert np.array_equal(hard > 0, soft >= 128) or ((hard > 0) != (soft >= 128)).mean() < 0.01
