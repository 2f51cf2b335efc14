"""Quality of the default tattoo method on real photos and on synthetic pairs, with
explicit thresholds (what classical-fill scored on 2026-12-02, less a margin)."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.core.io import read_image, read_mask
from retouch.core.registry import create
from retouch.tattoo.evaluate import evaluate, mask_scores
from retouch.tattoo.synth import make_sample
from tests.conftest import need

pytestmark = pytest.mark.quality


def test_real_tattoos_are_found_inside_their_boxes(shared_data):
    data = shared_data / "tattoo" / "dev"
    need((data / "boxes").is_dir(), f"{data}/boxes is absent from the real-photo data")
    result = evaluate(None, data, limit=24).summary()  # the first 24 photos: about 15 s
    assert result["hit_rate"] >= 0.85, result
    assert result["in_box_share"] >= 0.70, result


def test_synthetic_tattoos_are_found_and_the_removal_is_closer_to_the_clean_photo(shared_data):
    skin = shared_data / "skin" / "train"
    need((skin / "masks").is_dir(), f"{skin}/masks is absent from the real-photo data")
    names = ["abdomen_010", "abdomen_120", "abdomen_300", "sfa_101", "sfa_502"]
    model = create("tattoo")
    ious, gains = [], []
    for i, name in enumerate(names):
        photo, mask = (
            read_image(skin / "images" / f"{name}.jpg"),
            read_mask(skin / "masks" / f"{name}.png"),
        )
        sample = next(
            s
            for k in range(10)
            if (s := make_sample(np.random.default_rng([777, i, k]), photo, mask))
        )
        found = model.detect(sample.tattooed)
        ious.append(mask_scores(found, sample.mask)["iou"])
        removed = model(sample.tattooed, found)
        hole = sample.mask > 0
        before = np.abs(sample.tattooed[hole].astype(float) - sample.clean[hole]).mean()
        after = np.abs(removed[hole].astype(float) - sample.clean[hole]).mean()
        gains.append(before - after)
    assert np.mean(ious) >= 0.10, ious  # 0.14 measured: faces and abdomen close-ups
    assert np.mean(gains) > 5.0, gains  # 13 measured: mean absolute error over the ink, 8-bit
