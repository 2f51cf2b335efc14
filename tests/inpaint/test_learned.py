"""The learned inpainting methods (``pconv``, ``maskunet``; onnxruntime only): a hole in
a smooth gradient is filled close to the truth, pixels outside are byte-identical, a
large photo with a small hole is handled on a crop (fast), a thick hole goes through
the working-resolution path with the PatchMatch detail band, and a missing model file
is a clear MissingModelError."""

from __future__ import annotations

import time

import numpy as np
import pytest

from retouch.core import weights
from retouch.core.weights import MissingModelError
from retouch.inpaint import erase, learned
from tests.conftest import need, need_module

need_module("onnxruntime", "pip install -e '.[segment]'")


@pytest.fixture(scope="module", params=learned.NETS)
def net(request) -> str:
    need(weights.status(request.param) == "installed", f"{request.param}.onnx is not installed")
    return request.param


def gradient(h: int, w: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([40 + 150 * x / w, 60 + 120 * y / h, 200 - 100 * (x + y) / (h + w)], -1)
    return np.rint(img).astype(np.uint8)


def hole_psnr(out: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    err = (out[hole].astype(np.float64) - truth[hole]) ** 2
    return float(10 * np.log10(255**2 / max(err.mean(), 1e-9)))


def test_gradient_hole_is_filled_close_to_the_truth(net):
    img = gradient(96, 128)
    mask = np.zeros((96, 128), np.uint8)
    mask[36:60, 50:80] = 255
    out = erase(img, mask, method=net)
    assert np.array_equal(out[mask == 0], img[mask == 0])
    assert hole_psnr(out, img, mask > 0) > 30


def test_thick_hole_goes_through_the_working_resolution(net):
    img = gradient(320, 320)
    mask = np.zeros((320, 320), np.uint8)
    mask[100:220, 110:210] = 255  # thicker than WORK_THICKNESS: scaled down, detail band
    out = erase(img, mask, method=net)
    assert np.array_equal(out[mask == 0], img[mask == 0])
    assert hole_psnr(out, img, mask > 0) > 28


def test_large_photo_small_hole_is_filled_on_a_crop(net):
    rng = np.random.default_rng(0)
    img = gradient(2000, 3000)
    img = np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    mask = np.zeros((2000, 3000), np.uint8)
    mask[1200:1230, 700:740] = 255
    t0 = time.perf_counter()
    out = erase(img, mask, method=net)
    seconds = time.perf_counter() - t0
    assert np.array_equal(out[mask == 0], img[mask == 0])
    assert hole_psnr(out, img, mask > 0) > 30
    assert seconds < 3.0  # a 6 MP photo run whole would take far longer


def test_missing_model_names_the_command(monkeypatch):
    monkeypatch.setattr(weights, "find_weights", lambda name: None)
    learned._session.cache_clear()
    mask = np.zeros((32, 32), np.uint8)
    mask[10:20, 10:20] = 255
    try:
        command = "retouch train inpaint inpaint_pconv_cpu --out RUN"
        with pytest.raises(MissingModelError, match=command):
            learned.pconv(gradient(32, 32), mask)
    finally:
        learned._session.cache_clear()
