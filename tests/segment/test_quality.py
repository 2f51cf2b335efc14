"""Quality on real photos under ../shared/data, with the bars of the segmentation issue.

Thresholds sit a little under the measured scores (docs/segmentation.md) so a
broken method fails while run-to-run noise does not.
"""

from __future__ import annotations

import pytest

from retouch.segment.evaluate import evaluate

# Every test here scores a whole dev set: 4 s (face parts) to 200 s (u2netp on skin/dev).
pytestmark = [pytest.mark.quality, pytest.mark.slow, pytest.mark.usefixtures("segment_extra")]

SKIN_BARS = {"adaptive": 0.70, "bayes": 0.70, "ycrcb": 0.69, "rgb-rule": 0.68, "hsv": 0.62}


@pytest.fixture(scope="module")
def skin_scores(shared_data) -> dict[str, float]:
    """Mean IoU of every skin method on skin/dev (158 photos), computed once."""
    scores = {}
    for method in SKIN_BARS:
        result = evaluate("skin", method, shared_data / "skin" / "dev")
        assert len(result.images) == 158
        scores[method] = result.mean("iou")
    return scores


@pytest.mark.parametrize(("method", "bar"), SKIN_BARS.items())
def test_skin_dev(skin_scores, method, bar):
    assert skin_scores[method] >= bar


def test_adaptive_beats_every_classical_method_on_skin_dev(skin_scores):
    assert skin_scores["adaptive"] == max(skin_scores.values())


def test_trained_network_beats_every_classical_method_on_skin_dev(shared_data, skin_scores):
    """u2netp at its default setting measured 0.840, the network alone 0.813 (issue bar
    0.85, not reached: see its model card)."""
    result = evaluate("skin", "u2netp", shared_data / "skin" / "dev")
    assert len(result.images) == 158
    assert result.mean("iou") >= 0.82
    assert result.mean("iou") > max(skin_scores.values())


@pytest.mark.parametrize(("method", "bar"), [("selfie", 0.92), ("pose", 0.91)])
def test_person_dev(shared_data, method, bar):
    result = evaluate("person", method, shared_data / "person" / "dev")
    assert len(result.images) == 39
    assert result.mean("iou") >= bar


def test_face_skin_on_face_parsing_dev(shared_data):
    """Face skin = classes skin (2) and nose (4) of the face-parsing labels."""
    result = evaluate("face", "mesh", shared_data / "face_parsing" / "dev", classes=(2, 4))
    assert len(result.images) == 50
    assert result.mean("iou") >= 0.85


def test_face_parts_on_face_parsing_dev(shared_data):
    """Eyes (3) and lips+mouth (5) from the mesh overlap their labels."""
    data = shared_data / "face_parsing" / "dev"
    eyes = evaluate("face", "mesh", data, options={"part": "eyes"}, classes=(3,))
    lips = evaluate("face", "mesh", data, options={"part": "lips"}, classes=(5,))
    assert eyes.mean("iou") >= 0.6 and lips.mean("iou") >= 0.6
