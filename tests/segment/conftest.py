"""Fixtures for the segmentation tests: synthetic images and the segment extra.

Tests that need ``../shared/data`` use the ``shared_data`` fixture of
``tests/conftest.py`` and carry the ``quality`` marker. Tests that run the bundled
MediaPipe models or our trained network use ``segment_extra``. Both skip with the
reason outside CI and fail in CI (``tests.conftest.need``).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from retouch.core.io import read_image
from tests.conftest import have_data, need

SKIN_COLOUR = (224, 172, 138)
BLUE = (30, 60, 200)
INSTALL = "pip install --no-deps mediapipe==0.10.21 && pip install -e '.[segment]'"


@pytest.fixture(scope="session")
def segment_extra() -> None:
    """mediapipe (its wheel holds the model files), ai-edge-litert and onnxruntime."""
    for name in ("mediapipe", "ai_edge_litert", "onnxruntime"):
        need(importlib.util.find_spec(name) is not None, f"{name} is not installed: {INSTALL}")


@pytest.fixture
def skin_patch() -> np.ndarray:
    """64 x 64 RGB: a flat skin-coloured square (rows/cols 16..47) on blue."""
    image = np.zeros((64, 64, 3), np.uint8)
    image[:] = BLUE
    image[16:48, 16:48] = SKIN_COLOUR
    return image


@pytest.fixture
def grey() -> np.ndarray:
    return np.full((64, 64, 3), 128, np.uint8)


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A real portrait (astronaut, 256 x 256) when the shared data is there (always in
    CI), else a synthetic scene, so the contract tests run everywhere."""
    path = have_data("people", "astronaut.jpg")
    if path is not None:
        return read_image(path)[::2, ::2].copy()
    image = np.zeros((96, 80, 3), np.uint8)
    image[:] = BLUE
    image[20:70, 20:60] = SKIN_COLOUR
    return image
