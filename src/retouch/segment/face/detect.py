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

# A level of tiles is fine enough when its tiles are at most this many times the
# smallest face found so far (faces of a group photo have similar sizes; the
# detector finds faces down to about 1/10 of its input).
_FINE_ENOUGH = 10


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
    min_tile: int = 128,
    max_tiles: int = 64,
    tiles: bool | str = "auto",
    max_side: int = 2400,
) -> list[Face]:
    """Every face in ``image`` (H x W x 3 uint8 RGB), sorted top-to-bottom.

    Tiles shrink by half per level until they are about 10 times the smallest
    face found (down to ``min_tile`` pixels; no level that would take the total
    past ``max_tiles`` detector runs), so faces of about 25 pixels are found in
    group photos. ``tiles="auto"`` runs the tiles only when
    the whole-image search finds no face or a small one (a portrait stays fast);
    ``True`` always, ``False`` never (then only faces larger than about a tenth
    of the image are found). Photos larger than ``max_side`` are searched at that
    size. Returns [] when there is none.

    >>> detect_faces(np.zeros((64, 64, 3), np.uint8))
    []
    """
    image = check_image(image)
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1.0:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    faces = _search(image, min_score, min_tile, max_tiles, tiles)
    return faces if scale == 1.0 else [f.scaled(1.0 / scale) for f in faces]


def _search(
    image: np.ndarray, min_score: float, min_tile: int, max_tiles: int, tiles: bool | str
) -> list[Face]:
    h, w = image.shape[:2]
    faces = _detect_in(image, 0, min_score) + _detect_in(image, 1, min_score)
    if tiles == "auto":
        tiles = not faces or any(f.size < min(h, w) / 6 for f in faces)
    side, budget = int(min(h, w) * 0.6), max_tiles
    while tiles and side >= min_tile and len(level := _tiles(h, w, side)) <= budget:
        for y0, x0, y1, x1 in level:
            faces += _detect_in(image[y0:y1, x0:x1], 1, min_score, (x0, y0))
        if faces and side <= _FINE_ENOUGH * min(f.size for f in faces):
            break  # the smallest face found is large at this level: finer adds little
        side, budget = side // 2, budget - len(level)
    return _suppress(faces)
