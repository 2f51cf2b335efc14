"""Face detection on photos of any size: MediaPipe's BlazeFace models over a tile pyramid.

The detectors see 128 or 192 pixel inputs, so a face 60 pixels tall in a 2000 pixel
group photo would shrink to a few pixels. The whole image is searched with the
short- and full-range models, then overlapping tiles at finer scales, and the
detections are merged with non-maximum suppression.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.cancel import check_cancelled
from retouch.segment.lite import invoke

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


@dataclass(frozen=True)
class _Blaze:
    """A BlazeFace model: its record name, square input side and anchor layout
    ((stride, anchors per cell) per feature map), as MediaPipe's SSD anchor options
    for the two bundled detectors give them. Anchors have a fixed size, so boxes and
    keypoints decode to input pixels: anchor centre + regressed offset."""

    model: str
    side: int
    layout: tuple[tuple[int, int], ...]


SHORT = _Blaze("face-detection-short", 128, ((8, 2), (16, 6)))  # faces within ~2 m
FULL = _Blaze("face-detection-full", 192, ((4, 1),))  # faces up to ~5 m
FACE_DETECTORS = (SHORT.model, FULL.model)  # the weights records face detection loads


@cache
def _anchors(spec: _Blaze) -> np.ndarray:
    """N x 2 float32 anchor centres (x, y) in input pixels, in the model's output order."""
    out = []
    for stride, per_cell in spec.layout:
        n = spec.side // stride
        ys, xs = np.mgrid[0:n, 0:n]
        centres = np.stack([xs, ys], -1).reshape(-1, 1, 2).astype(np.float32) + 0.5
        out.append(np.repeat(centres * stride, per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(out)


def _letterbox(image: np.ndarray, side: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """``image`` scaled to fit a ``side`` square and centred on mid-grey, as the model's
    1 x side x side x 3 float32 input in [-1, 1]; with the scale and the (x, y) padding."""
    h, w = image.shape[:2]
    scale = side / max(h, w)
    rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(image, (rw, rh), interpolation=interp)
    px, py = (side - rw) // 2, (side - rh) // 2
    x = np.zeros((1, side, side, 3), np.float32)
    x[0, py : py + rh, px : px + rw] = small.astype(np.float32) / 127.5 - 1.0
    return x, scale, (px, py)


def _detect_in(
    image: np.ndarray, spec: _Blaze, min_score: float, offset: tuple[int, int] = (0, 0)
) -> list[Face]:
    """Faces in ``image`` (a photo or a tile of one at ``offset``) by one BlazeFace run."""
    x, scale, (px, py) = _letterbox(image, spec.side)
    outputs = invoke(spec.model, x)
    raw = next(o for o in outputs if o.shape[-1] == 16)[0]
    logit = next(o for o in outputs if o.shape[-1] == 1)[0, :, 0]
    keep = np.flatnonzero(logit >= np.log(min_score / (1.0 - min_score)))
    if keep.size == 0:
        return []
    raw = raw[keep].reshape(-1, 8, 2)  # box centre offset, box size, 6 keypoints
    centre = _anchors(spec)[keep]
    points = np.concatenate(
        [centre[:, None] + raw[:, :1], raw[:, 1:2], centre[:, None] + raw[:, 2:]], axis=1
    )
    at = [0, 2, 3, 4, 5, 6, 7]  # positions (not the size): undo the letterbox, add the offset
    points[:, at] -= (px, py)
    points /= scale
    points[:, at] += offset
    score = 1.0 / (1.0 + np.exp(-logit[keep].astype(np.float64)))
    return _weighted_nms(points, score)


def _weighted_nms(points: np.ndarray, score: np.ndarray, overlap: float = 0.3) -> list[Face]:
    """One face per cluster of overlapping anchors: box and keypoints averaged with
    the anchors' scores as weights, the best anchor's score kept (MediaPipe's
    "weighted" non-maximum suppression). ``points``: N x 8 x 2 (centre, size, keypoints)."""
    boxes = np.concatenate([points[:, 0] - points[:, 1] / 2, points[:, 0] + points[:, 1] / 2], 1)
    order = list(np.argsort(-score))
    faces = []
    while order:
        top = order[0]
        group = [i for i in order if _iou(boxes[top], boxes[i]) > overlap or i == top]
        order = [i for i in order if i not in group]
        w = score[group][:, None, None]
        mean = (points[group] * w).sum(0) / w.sum()
        (cx, cy), (bw, bh) = mean[0], mean[1]
        box = (float(cx - bw / 2), float(cy - bh / 2), float(cx + bw / 2), float(cy + bh / 2))
        faces.append(Face(box, float(score[top]), mean[2:].astype(np.float32)))
    return faces


def _tiles(h: int, w: int, side: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles (y0, x0, y1, x1) of ``side`` pixels covering the image."""
    step = max(1, int(side * 0.8))
    ys = [*list(range(0, max(1, h - side) + 1, step)), max(0, h - side)]
    xs = [*list(range(0, max(1, w - side) + 1, step)), max(0, w - side)]
    return sorted({(y, x, min(h, y + side), min(w, x + side)) for y in ys for x in xs})


def _level(image: np.ndarray, side: int, min_score: float) -> list[Face]:
    """Faces from one level of tiles: the photo is shrunk once so that a ``side`` tile
    becomes the full-range detector's input, and cut into overlapping tiles of that size."""
    k = FULL.side / side
    h, w = image.shape[:2]
    size = (max(1, round(w * k)), max(1, round(h * k)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    faces = []
    for y0, x0, y1, x1 in _tiles(size[1], size[0], FULL.side):
        check_cancelled()
        faces += _detect_in(small[y0:y1, x0:x1], FULL, min_score, (x0, y0))
    return [f.scaled(1.0 / k) for f in faces]


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
    faces = _detect_in(image, SHORT, min_score) + _detect_in(image, FULL, min_score)
    if tiles == "auto":
        tiles = not faces or any(f.size < min(h, w) / 6 for f in faces)
    side, budget = int(min(h, w) * 0.6), max_tiles
    while tiles and side >= min_tile and len(level := _tiles(h, w, side)) <= budget:
        faces += _level(image, side, min_score)
        if faces and side <= _FINE_ENOUGH * min(f.size for f in faces):
            break  # the smallest face found is large at this level: finer adds little
        side, budget = side // 2, budget - len(level)
    return _suppress(faces)
