"""The training hole generator: deterministic, near its target ratio, each kind draws holes."""

import numpy as np
import pytest

from retouch.train.holes import KINDS, hole_mask, hole_masks


def test_same_seed_same_mask_and_different_seeds_differ():
    assert np.array_equal(hole_mask(5, 96, 80), hole_mask(5, 96, 80))
    assert not np.array_equal(hole_mask(5, 96, 80), hole_mask(6, 96, 80))


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "objects"])
def test_each_kind_reaches_its_target_ratio(kind):
    ratios = [
        (hole_mask(s, 128, 128, ratio=(0.2, 0.2), kinds=(kind,)) > 0).mean() for s in range(20)
    ]
    assert min(ratios) >= 0.2
    assert np.median(ratios) < 0.45  # the last piece overshoots, but not by a whole image


def test_objects_paste_the_silhouette_shape():
    # a tall thin bar: every hole drawn from it is taller than wide
    bar = np.zeros((60, 60), np.uint8)
    bar[5:55, 25:35] = 255
    for seed in range(10):
        m = hole_mask(seed, 128, 128, ratio=(0.01, 0.01), kinds=("objects",), shapes=[bar])
        ys, xs = np.nonzero(m)
        assert ys.size and (ys.max() - ys.min()) > 2 * (xs.max() - xs.min())


def test_masks_are_binary_uint8_and_independent_of_count():
    many = hole_masks(11, 4, 64, 48)
    assert all(
        m.dtype == np.uint8 and m.shape == (64, 48) and set(np.unique(m)) <= {0, 255} for m in many
    )
    assert np.array_equal(many[2], hole_masks(11, 3, 64, 48)[2])


@pytest.mark.parametrize(
    "kwargs",
    [{"ratio": (0.5, 0.2)}, {"ratio": (0, 0.3)}, {"kinds": ("lasso",)}, {"kinds": ("objects",)}],
)
def test_bad_options_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        hole_mask(0, 64, 64, **kwargs)
