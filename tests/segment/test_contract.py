"""The contract every registered segmenter must keep: every method of every task
declared with ``returns="mask"`` (person, face, skin, and any declared later).

Shape and dtype of the input, values 0 and 255 only, the input untouched, the same
result twice, a soft output in [0, 1] the mask agrees with, and a clear error for
bad input.
"""

from __future__ import annotations

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.core.registry import create, list_methods
from retouch.core.tasks import all_tasks

TASKS = tuple(t.name for t in all_tasks() if t.returns == "mask")
METHODS = [(t, m.name) for t in TASKS for m in list_methods(t)]


@pytest.mark.parametrize(("task", "name"), METHODS)
def test_contract(task, name, photo, segment_extra):
    method = create(task, name)
    before = photo.copy()
    first = method(photo)
    assert first.shape == photo.shape[:2]
    assert first.dtype == np.uint8
    assert set(np.unique(first)) <= {0, 255}
    assert np.array_equal(photo, before), "the input image was modified"
    assert np.array_equal(first, method(photo)), "two runs differ"
    soft = method.soft(photo)
    assert soft.shape == first.shape and soft.dtype == np.float32
    assert 0.0 <= soft.min() and soft.max() <= 1.0
    # the mask is cut from its soft output: where the soft map is sure, they agree
    for sure, wrong in ((soft <= 0.02, 255), (soft >= 0.98, 0)):
        assert np.count_nonzero(first[sure] == wrong) <= 0.05 * max(1, np.count_nonzero(sure))


@pytest.mark.parametrize(("task", "name"), METHODS)
def test_odd_sizes(task, name, segment_extra):
    for shape in ((1, 1, 3), (7, 300, 3), (301, 5, 3)):
        mask = create(task, name)(np.full(shape, 90, np.uint8))
        assert mask.shape == shape[:2] and mask.dtype == np.uint8
        assert set(np.unique(mask)) <= {0, 255}, shape


@pytest.mark.parametrize(("task", "name"), METHODS)
def test_bad_input(task, name, segment_extra):
    method = create(task, name)
    for bad in (
        np.zeros((8, 8), np.uint8),
        np.zeros((8, 8, 4), np.uint8),
        np.zeros((8, 8, 3), np.float64),
        [[0, 0, 0]],
    ):
        with pytest.raises(InputError):
            method(bad)


@pytest.mark.parametrize(("task", "name"), [m for m in METHODS if m[0] != "skin"])
def test_no_person_or_face_gives_an_empty_mask(task, name, skin_patch, segment_extra):
    assert not create(task, name)(skin_patch).any()


@pytest.mark.parametrize(
    ("task", "name"),
    [("person", "selfie"), ("face", "mesh"), ("skin", "u2netp"), ("skin", "adaptive")],
)
def test_model_segmenters_stop_when_cancelled(task, name, segment_extra):
    """A cancelled request (timeout, client gone) stops a segmenter at its next step:
    per face crop, per detection tile, per network tile row."""
    from retouch.core.cancel import Cancelled, CancelToken, cancel_scope
    from retouch.core.io import read_image
    from tests.conftest import REPO

    photo = read_image(REPO / "src" / "retouch" / "data" / "sample.jpg")  # one face
    method = create(task, name)
    token = CancelToken()
    token.cancel("the client went away")
    with cancel_scope(token), pytest.raises(Cancelled, match="the client went away"):
        method(photo)
