"""``patchmatch-refine``: PatchMatch's fill corrected by our net, cropped per hole."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.core.registry import create, get
from retouch.core.weights import MissingModelError
from retouch.inpaint import erase
from retouch.inpaint.refine import refine_fill
from tests.conftest import need_module, square_mask


class Recorder:
    """A stand-in session: records the inputs it sees, answers a constant correction."""

    def __init__(self, value: float = 0.1) -> None:
        self.shapes: list[tuple[int, ...]] = []
        self.value = value

    def run(self, _outputs, feeds):
        x = feeds["input"]
        self.shapes.append(x.shape)
        return [np.full((x.shape[0], 3, *x.shape[2:]), self.value, np.float32)]


def test_registered_but_not_the_default():
    info = get("inpaint", "patchmatch-refine")
    assert not info.default and "refine" in info.weights
    assert get("inpaint", None).name == "patchmatch"


def test_correction_lands_only_inside_the_hole():
    rng = np.random.default_rng(1)
    fill = rng.integers(0, 230, (60, 70, 3), dtype=np.uint8)
    mask = square_mask(60, 70, 10, 30, 20, 45)
    out = refine_fill(Recorder(0.1), fill, mask)
    assert np.array_equal(out[mask == 0], fill[mask == 0])
    diff = out[mask > 0].astype(int) - fill[mask > 0]
    assert np.abs(diff - 26).max() <= 1  # 0.1 of 255, rounded
    half = refine_fill(Recorder(0.1), fill, mask, strength=0.5)
    assert np.abs(half[mask > 0].astype(int) - fill[mask > 0] - 13).max() <= 1


def test_large_photo_small_hole_runs_the_net_on_a_crop_only():
    fill = np.full((2000, 3000, 3), 120, np.uint8)
    mask = square_mask(2000, 3000, 1500, 1540, 2500, 2560)
    rec = Recorder(0.0)
    out = refine_fill(rec, fill, mask)
    assert len(rec.shapes) == 1 and max(rec.shapes[0][2:]) <= 512
    assert all(s % 8 == 0 for s in rec.shapes[0][2:])
    assert np.array_equal(out, fill)


def test_big_hole_is_scaled_to_the_working_resolution():
    fill = np.full((1200, 1600, 3), 120, np.uint8)
    mask = square_mask(1200, 1600, 100, 1100, 200, 1400)
    rec = Recorder(0.0)
    refine_fill(rec, fill, mask, max_side=512)
    assert len(rec.shapes) == 1 and max(rec.shapes[0][2:]) <= 512 + 7


def test_erase_on_a_3000x2000_photo_leaves_the_rest_byte_identical():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (2000, 3000, 3), dtype=np.uint8)
    mask = square_mask(2000, 3000, 900, 930, 1400, 1440)
    out = erase(image, mask, method="patchmatch-refine")
    assert np.array_equal(out[mask == 0], image[mask == 0])
    assert not np.array_equal(out[mask > 0], image[mask > 0])


def test_missing_model_is_a_clear_error(monkeypatch):
    import retouch.core.weights as weights

    monkeypatch.setattr(weights, "find_weights", lambda name: None)
    with pytest.raises(MissingModelError, match="retouch train refine"):
        create("inpaint", "patchmatch-refine")


def test_shipped_model_matches_its_record():
    from retouch.core.weights import resolve

    need_module("onnxruntime", "pip install -e '.[segment]'")
    path, record = resolve("refine")  # found and its sha256 checked
    assert record.extra["opset"] == 17 and record.extra["multiple"] == 8
    assert path.stat().st_size < 10_000_000
