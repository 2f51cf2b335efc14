"""Who goes, how the mask grows, and that only the mask changes: tiny synthetic scenes."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

import retouch
from retouch.core.errors import InputError
from retouch.core.registry import create
from retouch.people import find
from retouch.people.choose import POINTS, check_choice, chosen, parse_points
from retouch.people.find import Seed, pedestrian_boxes, skin_face, split_people
from retouch.people.grow import cast_shadow, cover_people
from retouch.segment.face.detect import Face
from tests.people.conftest import FAST, scene


def test_points_are_read_and_bad_ones_refused():
    assert parse_points("12,5; 7,9  3,4") == [(12, 5), (7, 9), (3, 4)]
    assert parse_points("") == []
    for bad in ("12", "a,b", "1,2,3", "-1,4", "1,23,4"):
        assert not re.fullmatch(POINTS, bad), bad
        if bad != "1,23,4":
            with pytest.raises(InputError, match="select takes points X,Y"):
                parse_points(bad)
    for good in ("", " 1,2 ", "1,2;3.5,4", "1,2 ;\t3,4;"):
        assert re.fullmatch(POINTS, good), good


def test_keep_and_select_do_not_combine():
    assert check_choice(keep=0, keep_largest=True, select="") == (1, [])
    assert check_choice(keep=3, keep_largest=False, select="") == (3, [])
    with pytest.raises(InputError, match="cannot go with keep"):
        check_choice(keep=2, keep_largest=False, select="1,1")
    with pytest.raises(InputError, match="keep_largest keeps one"):
        check_choice(keep=2, keep_largest=True, select="")


def test_chosen_by_hand():
    labels = np.zeros((10, 10), np.int32)
    labels[0:4, 0:4], labels[6:9, 6:9], labels[0:2, 8:10] = 1, 2, 3
    assert chosen(labels, keep=0, points=[], reach_px=2) == [1, 2, 3]
    assert chosen(labels, keep=1, points=[], reach_px=2) == [2, 3]
    assert chosen(labels, keep=5, points=[], reach_px=2) == []
    assert chosen(labels, keep=0, points=[(7, 7), (1, 1), (7, 8)], reach_px=2) == [1, 2]
    assert chosen(labels, keep=0, points=[(5, 5)], reach_px=2) == [2]  # the nearest, 1.4 px
    with pytest.raises(InputError, match="no person at 5,0"):
        chosen(labels, keep=0, points=[(5, 0)], reach_px=1)
    with pytest.raises(InputError, match="outside the 10x10 photo"):
        chosen(labels, keep=0, points=[(10, 3)], reach_px=2)


def test_one_region_with_two_faces_is_two_people_and_a_lying_blob_nobody():
    mask = np.zeros((40, 60), bool)
    mask[5:40, 5:45] = True  # two people side by side, touching
    mask[2:6, 50:60] = True  # wide, no face: a hat on a shelf
    seeds = [Seed(15, 8, 38, 5), Seed(35, 8, 38, 5)]
    labels = split_people(mask, seeds)
    assert labels.max() == 2 and labels[20, 10] != labels[20, 40]
    assert np.count_nonzero(labels == 1) >= np.count_nonzero(labels == 2)
    assert not labels[3, 55]
    upright = np.zeros((40, 60), bool)
    upright[5:35, 50:56] = True  # no face, but standing: a person seen from behind
    assert split_people(upright, []).max() == 1


def _face(x0: int, y0: int, size: int) -> Face:
    return Face((x0, y0, x0 + size, y0 + size), 0.9, np.zeros((6, 2), np.float32))


def test_a_skin_face_is_a_person_a_painted_one_is_not_and_grey_says_nothing():
    image = np.zeros((40, 60, 3), np.uint8)
    image[:, :20] = (224, 172, 140)  # skin
    image[:, 20:40] = (200, 205, 185)  # a statue's greenish white: P(skin) 0.04, chroma 10
    image[:, 40:] = 128  # a black-and-white photo's face
    assert skin_face(image, _face(2, 10, 16))
    assert not skin_face(image, _face(22, 10, 16))
    assert skin_face(image, _face(42, 10, 16))
    image[13:27, 25:35] = (224, 172, 140)  # a fifth of its middle is skin: a person
    assert skin_face(image, _face(22, 10, 16))


def test_a_statues_share_goes_to_nobody_and_never_a_persons_torso():
    mask = np.zeros((60, 80), bool)
    mask[5:60, 10:70] = True  # a statue (left) and a person (right) touching
    statue, person = Seed(25, 10, 60, 8, person=False), Seed(55, 10, 60, 8)
    labels = split_people(mask, [statue, person])
    assert labels.max() == 1 and not labels[30, 20] and labels[30, 60] == 1
    assert labels[30, 48:63].all()  # within one scale of the person's axis: theirs
    near = split_people(mask, [Seed(50, 10, 60, 8, person=False), person])
    assert near[30, 47:63].all()  # a statue's axis 5 px away takes none of the torso
    assert not split_people(mask, [statue]).any()  # a statue alone: nobody


def test_an_upright_blob_just_above_a_face_is_nobody():
    mask = np.zeros((80, 60), bool)
    mask[40:80, 20:40] = True  # the person, face centre at y 50
    mask[10:35, 22:32] = True  # upright, no seed, ends above the head: a flower
    mask[10:35, 48:54] = True  # upright, no seed, beside: a person seen from behind
    labels = split_people(mask, [Seed(30, 50, 80, 10)])
    assert labels[60, 30] and labels[20, 50] and not labels[20, 25]
    assert labels.max() == 2


def test_the_model_is_not_rerun_around_a_statue():
    calls = []

    class Model:
        def soft(self, image, *, faces):
            calls.append(len(faces))
            out = np.zeros(image.shape[:2], np.float32)
            for f in faces:  # each face's re-run sees a person down from the face
                x0, y0, x1, _ = (int(v) for v in f.box)
                out[y0:, max(0, x0 - 10) : x1 + 10] = 1.0
            return out

    image = np.zeros((80, 100, 3), np.uint8)
    faces = [_face(10, 10, 10), _face(70, 10, 10)]
    seeds = [find.face_seed(faces[0], person=False), find.face_seed(faces[1])]
    soft = find._soft_without_statues(image, Model(), faces, seeds)
    assert calls == [1, 2]  # people only, then everyone (for the person beside)
    assert soft[40, 60:90].min() == 1.0 and soft[40, :25].max() == 0.0
    assert find._soft_without_statues(image, Model(), faces[1:], seeds[1:])[40, 5] == 0.0


def test_no_walkers_on_a_blank_or_tiny_photo():
    assert pedestrian_boxes(np.full((160, 120, 3), 128, np.uint8)) == []
    assert pedestrian_boxes(np.zeros((40, 30, 3), np.uint8)) == []


def test_the_shadow_at_the_feet_joins_and_a_dark_wall_far_away_does_not():
    image, labels = scene(80, 96)
    person = labels == 1
    shadow = np.zeros((80, 96), bool)
    cv2.ellipse(shadow.view(np.uint8), (34, 56), (14, 3), 0, 0, 360, 1, -1)
    shadow &= ~person
    image[shadow] = (image[shadow] * 0.55).astype(np.uint8)
    image[70:80, 80:96] = 60  # a dark patch that does not touch the feet
    found = cast_shadow(image, person, labels > 0)
    assert np.count_nonzero(found & shadow) >= 0.8 * np.count_nonzero(shadow)
    assert not found[70:80, 80:96].any() and not (found & person).any()
    bust = np.zeros((80, 96), bool)
    bust[40:80, 10:50] = True  # cut by the bottom edge: no feet, no shadow
    assert not cast_shadow(image, bust, bust).any()


def test_cover_grows_over_the_halo_but_not_over_flat_floor():
    image = np.full((48, 48, 3), 200, np.uint8)
    person = np.zeros((48, 48), bool)
    person[12:36, 16:32] = True
    image[person] = 20
    image[11, 16:32] = image[12:36, 15] = 110  # an anti-aliased edge outside the mask
    cover = cover_people(image, [person], person, margin_px=0, halo_px=4, shadow=False)
    assert cover[11, 16:32].all() and cover[12:36, 15].all()
    assert not cover[:8].any() and not cover[:, 40:].any()


def test_only_the_chosen_peoples_pixels_change(fake_people):
    image, labels = scene()
    model = create("people", **FAST)
    mask = model.detect(image)
    assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 255}
    assert (mask[labels > 0] == 255).all()
    out = model(image)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.array_equal(out[mask == 0], image[mask == 0])
    assert (np.abs(out[labels > 0].astype(int) - image[labels > 0]).max(axis=1) > 30).mean() > 0.9
    assert fake_people.calls == 1  # detect, then the fill: the people are found once


def test_keep_largest_keeps_the_large_person_whole(fake_people):
    image, labels = scene()
    out = retouch.remove_people(image, keep_largest=True, **FAST)
    assert np.array_equal(out[labels == 1], image[labels == 1])
    assert not np.array_equal(out[labels == 2], image[labels == 2])
    mask = retouch.detect_people(image, select=[(70, 30)], **FAST)
    assert mask[labels == 2].all() and not mask[labels == 1].any()
    assert not retouch.detect_people(image, keep=2, **FAST).any()


def test_nobody_found_returns_the_photo(fake_people):
    fake_people.labels = np.zeros((64, 96), np.int32)
    image, _ = scene()
    assert np.array_equal(retouch.remove_people(image, **FAST), image)


def test_patchmatch_fill_is_deterministic_and_touches_only_the_mask(fake_people):
    image, _ = scene()
    model = create("people", walkers=False, seed=3)
    a, b = model(image), create("people", walkers=False, seed=3)(image)
    mask = model.detect(image)
    assert np.array_equal(a, b) and np.array_equal(a[mask == 0], image[mask == 0])


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"keep": -1}, "option keep must be a whole number from 0 to 1000"),
        ({"select": "1;2"}, "option select must be text like '120,80 300,95'"),
        ({"keep": 2, "select": "3,4"}, "cannot go with keep"),
        ({"halo_px": 500}, "option halo_px"),
        ({"fill": "magic"}, "option fill must be one of"),
        ({"person": "nope"}, "option person must be one of"),
    ],
)
def test_bad_options_fail_on_entry(options, says):
    with pytest.raises(InputError, match=says):
        create("people", **options)
    with pytest.raises(InputError, match="select takes points"):
        retouch.remove_people(np.zeros((8, 8, 3), np.uint8), select=[("a", 1)])
