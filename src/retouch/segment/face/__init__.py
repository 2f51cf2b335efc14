"""Faces: detection, the 468-point mesh, and masks of face regions (``retouch face``).

Importing this package registers the methods (``retouch methods face``).
"""

from __future__ import annotations

from retouch.core.tasks import TaskSpec, declare_task
from retouch.segment.face import regions  # noqa: F401  (registers the methods)
from retouch.segment.face.detect import Face, detect_faces
from retouch.segment.face.mesh import face_meshes, mesh_for_face
from retouch.segment.face.parts import PARTS, part_mask
from retouch.segment.face.regions import segment_face

__all__ = [
    "PARTS",
    "Face",
    "detect_faces",
    "face_meshes",
    "mesh_for_face",
    "part_mask",
    "segment_face",
]

declare_task(
    TaskSpec(
        name="face",
        verb="face",
        takes=("image",),
        returns="mask",
        summary="masks of face regions (skin, eyes, brows, lips)",
        description="Find every face, fit the 468-point face mesh and write the mask of "
        "the chosen region of all faces.",
        ground_truth=True,
        promoted=("part",),
    )
)
