"""Registered face methods: masks of face regions for every face in a photo."""

from __future__ import annotations

import logging
from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.errors import InputError
from retouch.core.options import OneOf
from retouch.core.registry import create, register
from retouch.segment.face.detect import FACE_DETECTORS
from retouch.segment.face.mesh import face_meshes
from retouch.segment.face.parts import PARTS, feature_mask, local, mesh_box, part_mask

__all__ = ["head_region", "mesh_regions", "segment_face"]

log = logging.getLogger(__name__)

# Mesh vertices along the jaw, from ear to ear under the chin (the neck hangs below).
_JAW = (
    234,
    93,
    132,
    58,
    172,
    136,
    150,
    149,
    176,
    148,
    152,
    377,
    400,
    378,
    379,
    365,
    397,
    288,
    361,
    323,
    454,
)


def head_region(shape: tuple[int, int], mesh: np.ndarray) -> np.ndarray:
    """H x W uint8 0/255: where the skin of this face's head and neck can be.

    The face oval scaled by 1.5 about its centre (ears, hairline, temples) and
    the band under the jaw down to one face height (the neck).
    """
    xs, ys = mesh[:, 0], mesh[:, 1]
    size = max(xs.max() - xs.min(), ys.max() - ys.min())
    centre = mesh[:, :2].mean(axis=0)
    grown = mesh.copy()
    grown[:, :2] = centre + (mesh[:, :2] - centre) * 1.5
    out = part_mask(shape, grown, "all")
    jaw = mesh[list(_JAW), :2]
    neck = np.concatenate([jaw, jaw[::-1] + np.array([0.0, size], np.float32)])
    cv2.fillPoly(out, [np.round(neck).astype(np.int32)], 255)
    return out


def _face_skin(image: np.ndarray, meshes: list[np.ndarray], faces) -> np.ndarray:
    """Mesh skin of every face, grown by skin-coloured pixels into forehead, ears and neck."""
    from retouch.segment.skin.adaptive import AdaptiveSkin

    colour = AdaptiveSkin(person=True).soft(image, faces=faces, meshes=meshes) >= 0.5
    out = np.zeros(image.shape[:2], np.uint8)
    for mesh in meshes:
        box = mesh_box(mesh, out.shape, margin=0.3, below=1.0)
        y0, x0, y1, x1 = box
        shape, near = (y1 - y0, x1 - x0), local(mesh, box)
        grown = np.where(colour[y0:y1, x0:x1] & (head_region(shape, near) > 0), 255, 0)
        grown = np.maximum(grown.astype(np.uint8), part_mask(shape, near, "skin"))
        grown[feature_mask(shape, near) > 0] = 0
        np.maximum(out[y0:y1, x0:x1], grown, out=out[y0:y1, x0:x1])
    return out


@register(
    "face",
    "mesh",
    "regions of MediaPipe's 468-point face mesh, for every face "
    "(part: skin, eyes, brows, lips, all)",
    default=True,
    weights=(*FACE_DETECTORS, "face-mesh"),
)
def mesh_regions(
    image: np.ndarray, *, part: Annotated[str, OneOf(PARTS)] = "skin", extend: bool = True
) -> np.ndarray:
    """H x W uint8 0/255 mask of ``part`` of every face in ``image`` (H x W x 3 uint8 RGB).

    ``skin`` is the face oval without eyes, brows and lips; with ``extend`` it also
    takes the skin-coloured forehead, ears and neck around it. ``all`` is the whole
    oval. An image without a detectable face gives an all-zero mask and a warning.
    """
    if part not in PARTS:
        raise InputError(f"unknown face part {part!r}; valid parts: {', '.join(PARTS)}")
    image = check_image(image)
    from retouch.segment.face.detect import detect_faces

    faces = detect_faces(image)
    meshes = face_meshes(image, faces)
    if not meshes:
        log.info("no face found in the image: the face mask is empty")
    if part == "skin" and extend and meshes:
        return _face_skin(image, meshes, faces)
    out = np.zeros(image.shape[:2], np.uint8)
    for mesh in meshes:
        np.maximum(out, part_mask(out.shape, mesh, part), out=out)
    return out


def segment_face(
    image: np.ndarray, *, part: str = "skin", method: str | None = None, **options
) -> np.ndarray:
    """Mask of ``part`` (skin, eyes, brows, lips, all) of every face; see ``mesh_regions``."""
    return create("face", method, part=part, **options)(image)
