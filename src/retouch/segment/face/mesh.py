"""The 468-point MediaPipe face mesh, run on a crop around each detected face.

MediaPipe's own face mesh graph searches the whole image with a short-range
detector (faces within about 2 m of the camera). Running it on a square crop
around each face from ``detect_faces`` makes it work for every face of a group
photo, at any size.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.segment.face.detect import Face, detect_faces
from retouch.segment.models import run_locked, runner

__all__ = ["face_meshes", "mesh_for_face"]

log = logging.getLogger(__name__)

_CROP_SCALE = 2.2  # crop side / face box side
_CROP_PIXELS = 320  # crops are resized to at most this side before the graph sees them


def _graph():
    return runner(
        ("face-mesh",),
        ("face-detection-short", "face-mesh"),
        lambda s: s.face_mesh.FaceMesh(
            static_image_mode=True,
            max_num_faces=1,
            refine_landmarks=False,
            min_detection_confidence=0.4,
        ),
    )


def mesh_for_face(image: np.ndarray, face: Face) -> np.ndarray | None:
    """468 x 3 float32 landmarks (x, y in pixels of ``image``, z relative) or None."""
    h, w = image.shape[:2]
    cx, cy = face.center
    half = face.size * _CROP_SCALE / 2
    x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
    x1, y1 = int(min(w, cx + half)), int(min(h, cy + half))
    crop = image[y0:y1, x0:x1]
    if crop.shape[0] < 8 or crop.shape[1] < 8:
        return None
    scale = min(1.0, _CROP_PIXELS / max(crop.shape[:2]))
    if scale < 1.0:
        crop = cv2.resize(
            crop,
            (round(crop.shape[1] * scale), round(crop.shape[0] * scale)),
            interpolation=cv2.INTER_AREA,
        )
    result = run_locked(_graph(), np.ascontiguousarray(crop))
    if not result.multi_face_landmarks:
        return None
    ch, cw = crop.shape[:2]
    pts = np.array([[p.x, p.y, p.z] for p in result.multi_face_landmarks[0].landmark], np.float32)
    pts[:, 0] = pts[:, 0] * cw / scale + x0
    pts[:, 1] = pts[:, 1] * ch / scale + y0
    pts[:, 2] = pts[:, 2] * cw / scale
    return pts


def face_meshes(image: np.ndarray, faces: list[Face] | None = None) -> list[np.ndarray]:
    """The mesh of every face in ``image`` (H x W x 3 uint8 RGB): a list of 468 x 3 arrays.

    Faces the mesh model rejects (strong profile, heavy occlusion) are skipped and
    logged. Returns [] when there is no face.
    """
    image = check_image(image)
    faces = detect_faces(image) if faces is None else faces
    meshes = []
    for face in faces:
        mesh = mesh_for_face(image, face)
        if mesh is None:
            log.info("no face mesh for the face at %s", [round(v) for v in face.box])
        else:
            meshes.append(mesh)
    return meshes
