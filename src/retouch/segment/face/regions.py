"""Registered face methods: masks of face regions for every face in a photo."""

from __future__ import annotations

import logging

import numpy as np

from retouch.core.arrays import check_image
from retouch.core.registry import create, register
from retouch.segment.face.mesh import face_meshes
from retouch.segment.face.parts import PARTS, part_mask

__all__ = ["mesh_regions", "segment_face"]

log = logging.getLogger(__name__)


def _check_part(part: str) -> None:
    if part not in PARTS:
        from retouch.core.errors import InputError

        raise InputError(f"unknown face part {part!r}; valid parts: {', '.join(PARTS)}")


@register(
    "face",
    "mesh",
    "regions of MediaPipe's 468-point face mesh, for every face "
    "(part: skin, eyes, brows, lips, all)",
    default=True,
)
def mesh_regions(image: np.ndarray, *, part: str = "skin") -> np.ndarray:
    """H x W uint8 0/255 mask of ``part`` of every face in ``image`` (H x W x 3 uint8 RGB).

    ``skin`` is the face oval without eyes, brows and lips; ``all`` the whole oval.
    An image without a detectable face gives an all-zero mask and a logged warning.
    """
    _check_part(part)
    image = check_image(image)
    out = np.zeros(image.shape[:2], np.uint8)
    meshes = face_meshes(image)
    for mesh in meshes:
        np.maximum(out, part_mask(out.shape, mesh, part), out=out)
    if not meshes:
        log.warning("no face found in the image: the face mask is empty")
    return out


def segment_face(
    image: np.ndarray, *, part: str = "skin", method: str | None = None, **options
) -> np.ndarray:
    """Mask of ``part`` (skin, eyes, brows, lips, all) of every face; see ``mesh_regions``."""
    return create("face", method, part=part, **options)(image)
