"""The 468-point MediaPipe face mesh, run on a rotated crop around each detected face.

As in MediaPipe's face mesh graph, the crop is a square 1.5 times the longer side of
the detected face box, centred on the box and turned so that the eyes (detector
keypoints 0 and 1) are level; it is warped to the model's 192 x 192 input, and the
landmarks are mapped back through the same rotation. The detections come from
``detect_faces``, so every face of a group photo gets a mesh, at any size; the model
runs with ``ai-edge-litert`` (``segment/lite.py``), without MediaPipe's graph.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.cancel import check_cancelled
from retouch.segment.face.detect import Face, detect_faces
from retouch.segment.lite import invoke

__all__ = ["face_meshes", "mesh_for_face"]

log = logging.getLogger(__name__)

_SIDE = 192  # the mesh model's input
_SCALE = 1.5  # crop side / longer side of the face box
_PRESENCE = 0.5  # the model's face-presence score below which a crop holds no face


def _roi(face: Face) -> tuple[np.ndarray, float, float]:
    """Centre (x, y), side and rotation (radians) of the square the mesh model sees."""
    (x0, y0), (x1, y1) = face.keypoints[0], face.keypoints[1]
    angle = -np.arctan2(-(y1 - y0), x1 - x0)
    angle = (angle + np.pi) % (2 * np.pi) - np.pi
    return np.array(face.center, np.float32), face.size * _SCALE, float(angle)


def _crop(image: np.ndarray, centre: np.ndarray, side: float, angle: float):
    """The 192 x 192 rotated crop and the 2 x 3 matrix taking crop pixels to image pixels.
    Faces far larger than the crop are shrunk first (area interpolation), so the warp
    never skips pixels."""
    c, s = np.cos(angle), np.sin(angle)
    k = side / _SIDE  # image pixels per crop pixel
    to_image = np.array(
        [[c * k, -s * k, 0.0], [s * k, c * k, 0.0]], np.float64
    )  # crop pixel (u, v) -> image (x, y): R * k * ((u, v) - 96) + centre
    to_image[:, 2] = centre - to_image[:, :2] @ np.array([_SIDE / 2, _SIDE / 2])
    source, shrink = image, 1.0
    if k > 2.0:  # pre-shrink so that the warp sees at most 2 image pixels per crop pixel
        shrink = 2.0 / k
        h, w = image.shape[:2]
        size = (max(1, round(w * shrink)), max(1, round(h * shrink)))
        source = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    to_source = to_image * shrink
    crop = cv2.warpAffine(
        source,
        cv2.invertAffineTransform(to_source),
        (_SIDE, _SIDE),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
    )
    return crop, to_image


def mesh_for_face(image: np.ndarray, face: Face) -> np.ndarray | None:
    """468 x 3 float32 landmarks (x, y in pixels of ``image``, z in the same scale,
    relative to the face's centre) for a face from ``detect_faces``; None when the
    model says the crop holds no face (strong profile, heavy occlusion, a false
    detection)."""
    centre, side, angle = _roi(face)
    if side < 8:
        return None
    crop, to_image = _crop(image, centre, side, angle)
    outputs = invoke("face-mesh", crop[None].astype(np.float32) / 255.0)
    points = next(o for o in outputs if o.size == 1404).reshape(468, 3)
    presence = float(next(o for o in outputs if o.size == 1).ravel()[0])
    if presence < np.log(_PRESENCE / (1 - _PRESENCE)):
        return None
    xy = points[:, :2].astype(np.float64) @ to_image[:, :2].T + to_image[:, 2]
    z = points[:, 2:] * (side / _SIDE)
    return np.concatenate([xy, z], axis=1).astype(np.float32)


def face_meshes(image: np.ndarray, faces: list[Face] | None = None) -> list[np.ndarray]:
    """The mesh of every face in ``image`` (H x W x 3 uint8 RGB): a list of 468 x 3 arrays.

    Faces the mesh model rejects (strong profile, heavy occlusion) are skipped and
    logged. Returns [] when there is no face.
    """
    image = check_image(image)
    faces = detect_faces(image) if faces is None else faces
    meshes = []
    for face in faces:
        check_cancelled()
        mesh = mesh_for_face(image, face)
        if mesh is None:
            log.info("no face mesh for the face at %s", [round(v) for v in face.box])
        else:
            meshes.append(mesh)
    return meshes
