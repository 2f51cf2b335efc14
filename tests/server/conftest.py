"""Fixtures for the HTTP API tests: small apps, clients and uploads (64-128 px).

Every test module here starts with ``pytest.importorskip("fastapi", reason=...)``, so
without the ``serve`` extra the whole folder skips with that reason (pytest -ra).
"""

from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest
from PIL import Image

from retouch.core.io import encode_image, read_image
from tests.conftest import SHARED_DATA, square_mask, stripes

ASTRONAUT = SHARED_DATA / "people" / "astronaut.jpg"


def make_client(**limits):
    """A TestClient (use it as a context manager) over an app with these settings."""
    from fastapi.testclient import TestClient

    from retouch.server import ServerSettings, create_app

    return TestClient(create_app(ServerSettings(**limits)))


@pytest.fixture(scope="session")
def client():
    """One app for the whole session (models load once), with small limits."""
    with make_client(max_pixels=128 * 128, max_upload_bytes=2_000_000, workers=2) as c:
        yield c


@pytest.fixture(scope="session")
def mediapipe_installed() -> None:
    if importlib.util.find_spec("mediapipe") is None:
        pytest.skip("mediapipe is not installed: scripts/setup.sh segment")


@pytest.fixture(scope="session")
def image() -> np.ndarray:
    """96 x 80 red/blue stripes with a green ramp and a white blemish inside ``mask``."""
    img = stripes(96, 80)
    img[:, :, 1] = np.linspace(0, 255, 80, dtype=np.uint8)[None, :]
    img[34:46, 34:42] = 255
    return img


@pytest.fixture(scope="session")
def mask() -> np.ndarray:
    return square_mask(96, 80, 30, 50, 30, 46)


@pytest.fixture(scope="session")
def portrait() -> tuple[np.ndarray, bool]:
    """(image, real): the astronaut at 128 x 128 when the shared data is there, else a
    synthetic skin-coloured block (masks may then be empty)."""
    if ASTRONAUT.is_file():
        return np.ascontiguousarray(read_image(ASTRONAUT)[::4, ::4]), True
    img = np.zeros((128, 128, 3), np.uint8)
    img[:] = (30, 60, 200)
    img[30:100, 40:90] = (224, 172, 138)
    return img, False


def png(array: np.ndarray) -> bytes:
    return encode_image(array, "PNG")


def decode(data: bytes) -> tuple[np.ndarray, str]:
    """(array, PIL format) of a response body."""
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img), img.format
