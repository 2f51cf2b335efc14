"""The person segmentation networks bundled in the mediapipe wheel, as PersonSegmenters."""

from __future__ import annotations

import cv2
import numpy as np

from retouch.core.arrays import fit_long_side
from retouch.core.registry import register
from retouch.segment.face.detect import FACE_DETECTORS
from retouch.segment.lite import invoke
from retouch.segment.models import run_locked, runner
from retouch.segment.person.base import PersonSegmenter

__all__ = ["PoseSegmenter", "SelfieSegmenter"]


@register(
    "person",
    "selfie",
    "MediaPipe selfie segmenter, re-run around every detected person, guided-filter refined",
    default=True,
)
class SelfieSegmenter(PersonSegmenter):
    """MediaPipe selfie segmentation (256 x 256 general model) per person, run with
    ai-edge-litert: the crop is stretched to the square input (as MediaPipe's graph
    does), the network's sigmoid output stretched back."""

    weights = ("selfie", *FACE_DETECTORS)

    def forward(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        side = self.input_side
        interp = cv2.INTER_AREA if min(h, w) > side else cv2.INTER_LINEAR
        x = cv2.resize(rgb, (side, side), interpolation=interp).astype(np.float32) / 255.0
        soft = invoke("selfie", x[None])[0][0, :, :, 0]
        return cv2.resize(soft, (w, h), interpolation=cv2.INTER_LINEAR)


@register(
    "person",
    "pose",
    "MediaPipe pose landmarker's segmentation output (BlazePose full), "
    "re-run around every detected person",
)
class PoseSegmenter(PersonSegmenter):
    """The segmentation head of MediaPipe's pose model; empty where it finds no body."""

    weights = ("pose", *FACE_DETECTORS)

    def forward(self, rgb: np.ndarray) -> np.ndarray:
        graph = runner(
            ("pose",),
            ("pose",),
            lambda s: s.pose.Pose(
                static_image_mode=True, model_complexity=1, enable_segmentation=True
            ),
        )
        h, w = rgb.shape[:2]
        small = rgb if max(h, w) <= 2 * self.input_side else fit_long_side(rgb, 2 * self.input_side)
        result = run_locked(graph, np.ascontiguousarray(small))
        if result.segmentation_mask is None:
            return np.zeros(rgb.shape[:2], np.float32)
        soft = result.segmentation_mask.astype(np.float32)
        return cv2.resize(soft, (w, h), interpolation=cv2.INTER_LINEAR)
