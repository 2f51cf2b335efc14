"""Face detection on photos of any size: MediaPipe's BlazeFace models over a tile pyramid.

The detectors see 128 or 192 pixel inputs, so a face 60 pixels tall in a 2000 pixel
group photo would shrink to a few pixels. The whole image is searched with the
short- and full-range models, then overlapping tiles at finer scales, and the
detections are merged with non-maximum suppression.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.segment.models import run_locked, runner

__all__ = ["Face", "detect_faces"]


@dataclass(frozen=True)
class Face:
    """A detected face: ``box`` (x0, y0, x1, y1) in pixels, ``score`` in [0, 1], and
    ``keypoints`` (6 x 2 float32, x/y pixels: eyes, nose tip, mouth, ear tragions)."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray

    @property
    def size(self) -> float:
        """The longer side of the box in pixels."""
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])

    @property
    def center(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    def scaled(self, factor: float) -> Face:
        """The same face in an image resized by ``factor``."""
        return Face(tuple(v * factor for v in self.box), self.score, self.keypoints * factor)


def _detector(model: int, min_score: float):
    return runner(
        ("face-detection", model, min_score),
        ("face-detection-full" if model else "face-detection-short",),
        lambda s: s.face_detection.FaceDetection(
            model_selection=model, min_detection_confidence=min_score
        ),
    )


def _detect_in(
    image: np.ndarray, model: int, min_score: float, offset: tuple[int, int] = (0, 0)
) -> list[Face]:
    h, w = image.shape[:2]
    result = run_locked(_detector(model, min_score), np.ascontiguousarray(image))
    faces = []
    for det in result.detections or []:
        if det.score[0] < min_score:  # MediaPipe's box blending can lower a score
            continue
        loc = det.location_data
        rb = loc.relative_bounding_box
        x0, y0 = rb.xmin * w + offset[0], rb.ymin * h + offset[1]
        box = (x0, y0, x0 + rb.width * w, y0 + rb.height * h)
        kps = np.array(
            [[k.x * w + offset[0], k.y * h + offset[1]] for k in loc.relative_keypoints], np.float32
        )
        faces.append(Face(box, float(det.score[0]), kps))
    return faces


def _tiles(h: int, w: int, side: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles (y0, x0, y1, x1) of ``side`` pixels covering the image."""
    step = max(1, int(side * 0.7))
    ys = [*list(range(0, max(1, h - side) + 1, step)), max(0, h - side)]
    xs = [*list(range(0, max(1, w - side) + 1, step)), max(0, w - side)]
    return sorted({(y, x, min(h, y + side), min(w, x + side)) for y in ys for x in xs})


def _iou(a: tuple, b: tuple) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _suppress(faces: list[Face], overlap: float = 0.3) -> list[Face]:
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: -f.score):
        if all(_iou(face.box, k.box) < overlap and not _inside(face.box, k.box) for k in kept):
            kept.append(face)
    return sorted(kept, key=lambda f: (f.box[1], f.box[0]))


def _inside(a: tuple, b: tuple) -> bool:
    """Is box ``a`` mostly inside box ``b`` (a partial face on a tile border)?"""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy > 0.6 * (a[2] - a[0]) * (a[3] - a[1])


def detect_faces(
    image: np.ndarray,
    *,
    min_score: float = 0.6,
    min_tile: int = 320,
    tiles: bool = True,
    max_side: int = 2400,
) -> list[Face]:
    """Every face in ``image`` (H x W x 3 uint8 RGB), sorted top-to-bottom.

    Tiles shrink by half per level (down to ``min_tile`` pixels) so faces down to
    about 20 pixels are found in large group photos; ``tiles=False`` searches the
    whole image only (faces larger than about a tenth of it). Photos larger than
    ``max_side`` are searched at that size (the smallest face found grows in
    proportion). Returns [] when there is none.

    >>> detect_faces(np.zeros((64, 64, 3), np.uint8))
    []
    """
    image = check_image(image)
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1.0:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        found = detect_faces(small, min_score=min_score, min_tile=min_tile, tiles=tiles)
        return [f.scaled(1.0 / scale) for f in found]
    h, w = image.shape[:2]
    faces = _detect_in(image, 0, min_score) + _detect_in(image, 1, min_score)
    side = int(min(h, w) * 0.6)
    while tiles and side >= min_tile:
        for y0, x0, y1, x1 in _tiles(h, w, side):
            faces += _detect_in(image[y0:y1, x0:x1], 1, min_score, (x0, y0))
        side //= 2
    return _suppress(faces)
