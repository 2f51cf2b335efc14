"""Face detection, the face mesh regions and person masks on real photos."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.core.io import read_image
from retouch.segment.face import PARTS, detect_faces, face_meshes, part_mask
from retouch.segment.face.regions import head_region
from retouch.segment.person import segment_person

pytestmark = [pytest.mark.quality, pytest.mark.usefixtures("segment_extra")]  # all real photos


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
        assert not (masks[part] & ~masks["all"]).any(), f"{part} outside the face"
    for a, b in [("skin", "eyes"), ("skin", "brows"), ("skin", "lips"), ("eyes", "lips")]:
        assert not (masks[a] & masks[b]).any(), (a, b)
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


def test_small_faces_of_a_family_photo(shared_data):
    """Sita's family (714 x 531, 11 people, faces 15-45 px): the finer tiles find them."""
    image = read_image(shared_data / "skin/dev/images/pratheepan_uid56fid51_SitasFamily.jpg")
    assert len(detect_faces(image, tiles=False)) < 8
    assert len(detect_faces(image)) >= 10
    assert len(face_meshes(image)) >= 9


def test_faces_of_a_large_photo_come_back_in_its_pixels(astronaut):
    """Photos over max_side are searched shrunk; boxes are in the input's pixels."""
    big = np.repeat(np.repeat(astronaut, 6, axis=0), 6, axis=1)  # 3072 x 3072
    (face,) = detect_faces(big, tiles=False)
    (small,) = detect_faces(astronaut, tiles=False)
    centre = np.array(face.center) / 6
    assert np.abs(centre - np.array(small.center)).max() < 0.15 * small.size
    assert 0.8 < face.size / 6 / small.size < 1.25


def test_soft_person_mask(astronaut):
    """The soft output is the float32 [0, 1] confidence the 0/255 mask is cut from (at
    0.5; specks removed after the cut, hence not every pixel)."""
    soft = segment_person(astronaut, soft=True)
    hard = segment_person(astronaut)
    assert soft.dtype == np.float32 and soft.shape == hard.shape
    assert 0.0 <= soft.min() and soft.max() <= 1.0 and len(np.unique(soft)) > 10
    assert hard.any() and ((hard > 0) != (soft >= 0.5)).mean() < 0.01
