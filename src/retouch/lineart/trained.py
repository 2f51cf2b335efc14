"""The ``trained`` line-art method: your own drawing model, trained with
``retouch train pairs`` on photo/drawing pairs and exported with ``retouch train export``.

The model is looked up by file name in ``$RETOUCH_MODEL_DIR`` (never a path: the same
method answers over HTTP, where a path would let a request open any file of the server),
checked against the weights record the export wrote beside it, and run in overlapping
tiles at the photo's full resolution (``train.pairs_export.apply``; onnxruntime only).
No drawing pairs can be had here, so no such model ships: without one the method says how
to make it.

    retouch train pairs --inputs photos/ --targets drawings/ --run runs/mine
    retouch train export runs/mine -o "$RETOUCH_MODEL_DIR/drawing.onnx"
    retouch lineart portrait.jpg -o drawing.png --method trained
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Annotated

import numpy as np

from retouch.core.arrays import check_image
from retouch.core.errors import InputError
from retouch.core.options import Pattern, Range
from retouch.core.registry import register
from retouch.core.weights import MODEL_DIR_ENV, MissingModelError, record_beside, verify

__all__ = ["MODEL_NAME", "NoModelError", "model_path", "trained"]


class NoModelError(MissingModelError, InputError):
    """The model a request names is not in ``$RETOUCH_MODEL_DIR`` (or has no record
    there): the request asks for something this machine does not have, so the API
    answers 422 (an InputError) rather than the 503 of a missing shipped model."""


MODEL_NAME = Pattern(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.onnx", "drawing.onnx")
HOW = (
    "train one on your photo/drawing pairs with `retouch train pairs --inputs PHOTOS "
    "--targets DRAWINGS --run RUN` and export it with `retouch train export RUN -o "
    f"${MODEL_DIR_ENV}/drawing.onnx`"
)

_sessions: dict[tuple[str, str], object] = {}
_lock = threading.Lock()


def model_path(name: str) -> Path:
    """The checked path of the exported model ``name`` in ``$RETOUCH_MODEL_DIR``.

    Raises InputError for a name that is not a plain ``*.onnx`` file name, NoModelError
    (saying how to make one) when the folder, the file or its weights record is missing,
    and WeightsMismatchError when the file is not the one its record describes."""
    if not MODEL_NAME.matches(name) or ".." in name:
        raise InputError(f"model must be a file name such as {MODEL_NAME.example}, got {name!r}")
    folder = os.environ.get(MODEL_DIR_ENV)
    if not folder:
        raise NoModelError(f"the trained method reads ${MODEL_DIR_ENV}/{name}: {HOW}")
    path = Path(folder) / name
    if not path.is_file():
        raise NoModelError(f"no drawing model {path}: {HOW}")
    record = record_beside(path)
    if record is None:
        raise NoModelError(
            f"{path} has no weights record beside it ({path.with_suffix('.json').name}, "
            "written by `retouch train export`); export the model again"
        )
    return verify(path, record)


def _session(path: Path):
    from retouch.core.weights import file_sha256

    key = (str(path.resolve()), file_sha256(path))
    with _lock:
        if key not in _sessions:
            import onnxruntime as ort

            _sessions[key] = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return _sessions[key]


@register(
    "lineart",
    "trained",
    f"your own drawing model (retouch train pairs, then export) from ${MODEL_DIR_ENV}",
)
def trained(
    image: np.ndarray,
    *,
    model: Annotated[str, MODEL_NAME] = "drawing.onnx",
    tile: Annotated[int, Range(64, 2048)] = 512,
    overlap: Annotated[int, Range(0, 256)] = 32,
) -> np.ndarray:
    """The drawing the model ``model`` (a file name in ``$RETOUCH_MODEL_DIR``) makes of
    ``image`` (H x W x 3 uint8 RGB), at full size, in ``tile`` px tiles that overlap by
    ``overlap`` px (blended with linear ramps). Returns H x W x 3 uint8 RGB."""
    image = check_image(image)
    if overlap * 2 >= tile:
        raise InputError(f"overlap must be less than half the tile, got {overlap} and {tile}")
    from retouch.train.pairs_export import apply

    return apply(_session(model_path(model)), image, tile=tile, overlap=overlap)
