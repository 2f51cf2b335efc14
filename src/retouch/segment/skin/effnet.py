"""Skin segmentation by our EfficientNet-Lite0 network (ImageNet encoder, our decoder),
run with onnxruntime.

The weights (``effnet_skin.onnx``), their weights record (``.json``) and model card
(``.md``) ship in this folder; they were made by ``retouch train run skin_effnet_cpu``
(the ImageNet encoder frozen, the decoder trained), ``skin_effnet_cpu_finetune`` from
that run (the whole net) and ``retouch train export`` (no torch needed here).
``$RETOUCH_MODEL_DIR`` holding an ``effnet_skin.onnx`` with its ``.json`` replaces them.

Everything around the network is ``network.NetworkSkin``'s: P(skin) upsampled along
the photo's edges (guided filter), the colour check against the photo's faces and the
fade-out away from its people, the optional tiled pass. What differs is the network and
the size a photo is run at: its *shorter* side at ``short_side`` (288 px; the longer
side at most twice that), the scale at which the training crops showed the photos'
short sides (157-314 px), whatever the aspect ratio: a square belly close-up runs at
288 x 288, a 4:3 family photo at 384 x 288.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np

from retouch.core.errors import InputError
from retouch.core.options import Range
from retouch.core.registry import register
from retouch.core.weights import WeightsRecord, register_weights
from retouch.segment.face.detect import FACE_DETECTORS
from retouch.segment.skin.network import NetworkSkin

__all__ = ["EffNetSkin"]

register_weights(
    WeightsRecord.from_json(
        Path(__file__).with_name("effnet_skin.json"),
        package="retouch",
        package_path="segment/skin/effnet_skin.onnx",
    )
)


@register(
    "skin",
    "effnet",
    "our EfficientNet-Lite0 (ImageNet encoder) + U-Net decoder trained on skin/train "
    "(onnxruntime), checked against the colour of the photo's faces and kept within its people",
    default=True,
)
class EffNetSkin(NetworkSkin):
    """Skin by the EfficientNet-Lite0 network; call with H x W x 3 uint8 RGB, get H x W
    uint8 0/255 (``soft``: P(skin), float32 in [0, 1]). The options are
    ``network.NetworkSkin``'s (see there), and ``short_side``: the photo runs with its
    shorter side at this size, its longer side at most twice that (0: the longer side at
    the record's ``long_side``, 320). An explicit ``long_side`` wins over ``short_side``.

    >>> skin = EffNetSkin()  # doctest: +SKIP
    >>> skin(image).shape == image.shape[:2]  # doctest: +SKIP
    True
    """

    network = "effnet_skin"  # its weights record
    weights = (network, "skin_colour_rgb32", "selfie", *FACE_DETECTORS, "face-mesh")

    def __init__(
        self,
        *,
        long_side: Annotated[int, Range(0, 4096)] = 0,
        short_side: Annotated[int, Range(0, 2048)] = 288,
        threshold: Annotated[float, Range(0, 1)] = 0.5,
        tiles: bool = False,
        refine: bool = True,
        person: bool = True,
        colour: bool = True,
        colour_cut: Annotated[float, Range(0.01, 1)] = 0.5,
        portrait: Annotated[float, Range(0, 1)] = 0.25,
        closeup: Annotated[float, Range(0, 1)] = 0.25,
    ) -> None:
        super().__init__(
            long_side=long_side,
            threshold=threshold,
            tiles=tiles,
            refine=refine,
            person=person,
            colour=colour,
            colour_cut=colour_cut,
            portrait=portrait,
            closeup=closeup,
        )
        if short_side and not 32 <= short_side <= 2048:
            raise InputError(f"short_side must be 0 or in 32..2048, got {short_side}")
        self.short_side = 0 if long_side else short_side

    def _run_size(self, image: np.ndarray) -> int:
        if not self.short_side:
            return self.long_side
        h, w = image.shape[:2]
        return min(2 * self.short_side, round(self.short_side * max(h, w) / max(1, min(h, w))))
