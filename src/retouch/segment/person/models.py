"""The person segmentation networks bundled in the mediapipe wheel, as PersonSegmenters."""

from __future__ import annotations

import numpy as np

from retouch.core.registry import register
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
    """MediaPipe selfie segmentation (256 x 256 general model) per person."""

    def forward(self, rgb: np.ndarray) -> np.ndarray:
        graph = runner(
            ("selfie",),
            ("selfie",),
            lambda s: s.selfie_segmentation.SelfieSegmentation(model_selection=0),
        )
        return run_locked(graph, np.ascontiguousarray(rgb)).segmentation_mask.astype(np.float32)


@register(
    "person",
    "pose",
    "MediaPipe pose landmarker's segmentation output (BlazePose full), "
    "re-run around every detected person",
)
class PoseSegmenter(PersonSegmenter):
    """The segmentation head of MediaPipe's pose model; empty where it finds no body."""

    def forward(self, rgb: np.ndarray) -> np.ndarray:
        graph = runner(
            ("pose",),
            ("pose",),
            lambda s: s.pose.Pose(
                static_image_mode=True, model_complexity=1, enable_segmentation=True
            ),
        )
        result = run_locked(graph, np.ascontiguousarray(rgb))
        if result.segmentation_mask is None:
            return np.zeros(rgb.shape[:2], np.float32)
        return result.segmentation_mask.astype(np.float32)
