"""Fixtures for the HTTP API tests: small apps, clients and uploads (64-128 px).

Every test module here starts with ``pytest.importorskip("fastapi", reason=...)``, so
without the ``serve`` extra the whole folder skips with that reason (pytest -ra);
with ``CI=true`` those skips fail (tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest
from PIL import Image

from retouch.core.io import encode_image, read_image
from tests.conftest import have_data, need, square_mask, stripes


def make_client(**settings):
    """A TestClient (use it as a context manager) over an app with these settings.

    TestClient sends ``Host: testserver``, which the app refuses (403) unless it is
    allowed, so ``allow_hosts`` defaults to ``("testserver",)`` here; pass
    ``allow_hosts=()`` to test the server's own host policy.
    """
    from fastapi.testclient import TestClient

    from retouch.server import ServerSettings, create_app

    settings.setdefault("allow_hosts", ("testserver",))
    return TestClient(create_app(ServerSettings(**settings)))


@pytest.fixture(scope="session")
def client():
    """One app for the whole session (models load once), with small limits."""
    with make_client(max_pixels=128 * 128, max_upload_bytes=2_000_000, workers=2) as c:
        yield c


@pytest.fixture(scope="session")
def mediapipe_installed() -> None:
    need(
        importlib.util.find_spec("mediapipe") is not None,
        "mediapipe is not installed: scripts/setup.sh segment",
    )


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
    synthetic skin-coloured block (masks may then be empty); in CI the photo must be there."""
    astronaut = have_data("people", "astronaut.jpg")
    if astronaut is not None:
        return np.ascontiguousarray(read_image(astronaut)[::4, ::4]), True
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
