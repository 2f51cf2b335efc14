"""The bundled .tflite files run directly with ``ai-edge-litert`` (TFLite's interpreter).

MediaPipe's solution graphs cost ~4 ms of overhead per image on this machine, more
than the networks themselves (BlazeFace 0.7-2 ms, the selfie segmenter 2 ms, the face
mesh 0.7 ms). A group photo runs them dozens of times, so the face detector, the face
mesh and the selfie segmenter run here, without a graph: one cached interpreter per
model file (its weights record in ``models.MODELS``, found and checked by
``core.weights``), its input tensor resized only when a new shape arrives. The pre- and
post-processing the graphs did (anchors, letterboxing, rotated face crops) lives with
each model's caller.

Interpreters are not re-entrant; calls are serialised by one lock.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from retouch.core.weights import MissingModelError
from retouch.segment.models import model_path, quiet_native

__all__ = ["invoke"]

LITERT_HINT = "pip install -e '.[segment]' (it brings ai-edge-litert)"

_lock = threading.Lock()
_interpreters: dict[str, Any] = {}
_shapes: dict[str, tuple[int, ...]] = {}


def _interpreter(name: str) -> Any:
    if name not in _interpreters:
        path = model_path(name)
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise MissingModelError(
                f"the {name} model runs with ai-edge-litert, which is not installed: " + LITERT_HINT
            ) from exc
        threads = max(1, min(4, os.cpu_count() or 1))
        with quiet_native():  # TFLite announces its XNNPACK delegate on stderr
            _interpreters[name] = Interpreter(model_path=str(path), num_threads=threads)
    return _interpreters[name]


def invoke(name: str, batch: np.ndarray) -> list[np.ndarray]:
    """Run bundled model ``name`` (a key of ``models.MODELS``) on ``batch``
    (N x H x W x 3 float32, normalised as the record says); its outputs, in the
    model's order, as arrays of their own (safe to keep).

    Fully convolutional models (the short-range face detector) accept any H x W;
    the others only their record's input size.
    """
    batch = np.ascontiguousarray(batch, dtype=np.float32)
    with _lock:
        it = _interpreter(name)
        inp = it.get_input_details()[0]
        if _shapes.get(name) != batch.shape:
            with quiet_native():
                it.resize_tensor_input(inp["index"], list(batch.shape))
                it.allocate_tensors()
            _shapes[name] = batch.shape
        it.set_tensor(inp["index"], batch)
        it.invoke()
        return [it.get_tensor(o["index"]).copy() for o in it.get_output_details()]
