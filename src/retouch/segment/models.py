"""The bundled MediaPipe models: their weights records, and the pose graph.

The ``mediapipe==0.10.21`` wheel ships the .tflite files this package uses. Nothing is
downloaded: each model is a :class:`~retouch.core.weights.WeightsRecord` (registered
here), found by ``core.weights`` (``$RETOUCH_MODEL_DIR`` first, then inside the installed
wheel) and checked against its sha256 once. The face detectors, the face mesh and the
selfie segmenter run with ai-edge-litert (``segment/lite.py``); the pose model runs
through MediaPipe's own solution graph (its body-tracking crops are not re-implemented
here), built lazily, cached per process and guarded by a lock (a graph runs one image
at a time).

mediapipe is installed without its declared dependencies (jax, opencv-contrib-python,
...), see ``docs/segmentation.md``::

    pip install --no-deps mediapipe==0.10.21 && pip install -e .[segment]
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from retouch.core.weights import MissingModelError, WeightsRecord, register_weights, weights_path

__all__ = ["MODELS", "MissingModelError", "model_path", "quiet_native", "runner"]

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "pip install --no-deps mediapipe==0.10.21 && pip install -e '.[segment]' "
    "(or: scripts/setup.sh segment)"
)
_LICENCE = "Apache-2.0 (MediaPipe model cards)"
_SOURCE = "the mediapipe==0.10.21 wheel (Google MediaPipe)"


def _record(
    name: str, folder: str, file: str, sha256: str, size: tuple[int, int], norm: str
) -> WeightsRecord:
    return register_weights(
        WeightsRecord(
            name=name,
            file=file,
            sha256=sha256,
            source=_SOURCE,
            command=INSTALL_HINT,
            licence=_LICENCE,
            input_size=size,
            normalisation=norm,
            package="mediapipe",
            package_path=f"modules/{folder}/{file}",
        )
    )


MODELS: dict[str, WeightsRecord] = {
    r.name: r
    for r in (
        _record(
            "selfie",
            "selfie_segmentation",
            "selfie_segmentation.tflite",
            "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
            (256, 256),
            "RGB [0, 1]",
        ),
        _record(
            "selfie-landscape",
            "selfie_segmentation",
            "selfie_segmentation_landscape.tflite",
            "a77d03f4659b9f6b6c1f5106947bf40e99d7655094b6527f214ea7d451106edd",
            (144, 256),
            "RGB [0, 1]",
        ),
        _record(
            "face-detection-short",
            "face_detection",
            "face_detection_short_range.tflite",
            "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
            (128, 128),
            "RGB [-1, 1]",
        ),
        _record(
            "face-detection-full",
            "face_detection",
            "face_detection_full_range_sparse.tflite",
            "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
            (192, 192),
            "RGB [-1, 1]",
        ),
        _record(
            "face-mesh",
            "face_landmark",
            "face_landmark.tflite",
            "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
            (192, 192),
            "RGB [0, 1]",
        ),
        _record(
            "pose",
            "pose_landmark",
            "pose_landmark_full.tflite",
            "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
            (256, 256),
            "RGB [0, 1]",
        ),
    )
}

_lock = threading.Lock()
_runners: dict[tuple, Any] = {}
_warm: set[int] = set()


@contextlib.contextmanager
def quiet_native() -> Iterator[None]:
    """Silence MediaPipe's C++ start-up chatter on stderr (``RETOUCH_NATIVE_LOGS=1`` keeps it).

    TFLite and absl print a few lines when a graph is built and first run; they are
    noise in a command-line tool. Python-level errors are unaffected.
    """
    if os.environ.get("RETOUCH_NATIVE_LOGS"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def model_path(name: str) -> Path:
    """Path of bundled model ``name`` (a key of MODELS), checked against its sha256
    (``core.weights.weights_path``)."""
    if name not in MODELS:
        raise KeyError(f"no bundled model {name!r}; known: {', '.join(MODELS)}")
    return weights_path(name)


def runner(key: tuple, models: tuple[str, ...], build: Callable[[Any], Any]) -> Any:
    """The cached MediaPipe solution for ``key``, built once by ``build(mediapipe_solutions)``.

    ``models`` are the MODELS the solution loads; they are checked before it is built.
    """
    with _lock:
        if key not in _runners:
            for name in models:
                model_path(name)
            try:
                from mediapipe.python import solutions
            except ImportError as exc:
                raise MissingModelError(
                    f"cannot import mediapipe ({exc}); install it: {INSTALL_HINT}"
                ) from None
            log.info("loading MediaPipe graph %s", key)
            with quiet_native():
                _runners[key] = build(solutions)
    return _runners[key]


def run_locked(solution: Any, rgb: Any) -> Any:
    """``solution.process(rgb)`` under the module lock (graphs are not re-entrant)."""
    with _lock:
        if id(solution) in _warm:
            return solution.process(rgb)
        with quiet_native():
            result = solution.process(rgb)
        _warm.add(id(solution))
        return result
