"""Running a network needs the ``train`` extra (torch, onnx, PyYAML, onnxruntime):
``test_u2net`` checks for torch at import, the runs use the ``train_extra`` fixture.
Without them those tests skip with the reason, and fail in CI (``tests.conftest.need``);
the data, recipe and augmentation tests need none of it."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import need

TRAIN = "pip install -e '.[train]'"


@pytest.fixture(scope="session")
def train_extra() -> None:
    for name in ("torch", "onnx", "yaml", "onnxruntime"):
        need(importlib.util.find_spec(name) is not None, f"{name} is not installed: {TRAIN}")
