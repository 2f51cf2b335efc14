"""Fixtures of the ``retouch batch`` tests: a Dask cluster on 127.0.0.1, small photos.

Every cluster is started by ``retouch.distributed.cluster.open_client`` (the code under
test, loopback only) and closed by its fixture whatever the test did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from retouch.core.io import read_image, write_image, write_mask
from tests.conftest import need_module
from tests.distributed import slow_task

INSTALL = "pip install -e '.[batch]'"
SAMPLE = Path(__file__).resolve().parents[2] / "src" / "retouch" / "data" / "sample.jpg"


@pytest.fixture(scope="session")
def dask_extra() -> None:
    need_module("distributed", INSTALL)
    need_module("fsspec", INSTALL)


@pytest.fixture(scope="session")
def client(dask_extra) -> Iterator:
    """A cluster of 2 worker processes on 127.0.0.1 for the whole session."""
    from retouch.distributed.cluster import open_client

    with open_client(workers=2, retries=3) as c:
        c.register_plugin(slow_task.Install())
        yield c


@pytest.fixture
def sleepy(dask_extra) -> Iterator[str]:
    """The test-only ``test-sleep`` task, declared in this process for one test."""
    slow_task.install()
    try:
        yield slow_task.NAME
    finally:
        slow_task.uninstall()


def sample(width: int) -> np.ndarray:
    """The bundled sample photo scaled to ``width`` pixels wide (a real face and person)."""
    import cv2

    image = read_image(SAMPLE)
    height = round(image.shape[0] * width / image.shape[1])
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def photos(folder: Path, count: int, *, size: int = 64, ext: str = ".png") -> list[Path]:
    """``count`` different small photos (noise over the sample), and one mask folder."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    base = sample(size)
    paths = []
    for i in range(count):
        noisy = np.clip(base.astype(int) + rng.integers(-20, 21, base.shape), 0, 255)
        paths.append(folder / f"p{i:03d}{ext}")
        write_image(paths[-1], noisy.astype(np.uint8))
    return paths


def masks(folder: Path, inputs: list[Path]) -> Path:
    """A square hole mask per photo, named like it."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in inputs:
        h, w = read_image(path).shape[:2]
        mask = np.zeros((h, w), np.uint8)
        mask[h // 4 : h // 2, w // 4 : w // 2] = 255
        write_mask(folder / f"{path.stem}.png", mask)
    return folder


def manifest(folder: Path) -> list[dict]:
    """Every line of the manifest in ``folder``, parsed (each must be whole JSON)."""
    text = (folder / "retouch-manifest.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line]
