"""Fixtures for the segmentation tests: synthetic images and the shared data folder.

Tests that need ``../shared/data`` (real photos with ground truth) skip with a
reason when it is absent; CI has it. Tests that need the bundled MediaPipe
models skip with a reason when mediapipe is not installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from retouch.core.io import read_image

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
SKIN_COLOUR = (224, 172, 138)
BLUE = (30, 60, 200)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` from the repository root, or skip with the reason."""
    path = SHARED.resolve()
    if not (path / "README.md").is_file():
        pytest.skip(f"the shared data folder {path} is absent (real-photo tests run in CI)")
    return path


@pytest.fixture(scope="session")
def mediapipe_installed() -> None:
    if importlib.util.find_spec("mediapipe") is None:
        pytest.skip(
            "mediapipe is not installed: pip install --no-deps mediapipe==0.10.21 "
            "&& pip install -e '.[segment]'"
        )


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
    """A real portrait (astronaut, 256 x 256) when the shared data is there, else a
    synthetic scene, so the contract tests run everywhere."""
    path = SHARED.resolve() / "people" / "astronaut.jpg"
    if path.is_file():
        return read_image(path)[::2, ::2].copy()
    image = np.zeros((96, 80, 3), np.uint8)
    image[:] = BLUE
    image[20:70, 20:60] = SKIN_COLOUR
    return image
