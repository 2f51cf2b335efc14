"""The ``portrait`` line-art method: what an illustrator would draw from a portrait photo.

1. Structure: HED's edge probability, thinned to its ridges (non-maximum suppression),
   kept by hysteresis, short pieces dropped.
2. Fine detail inside each face (the face mesh's oval): XDoG outlines, without the
   patches where they pile up (shadows, hair texture: they would print as hatching).
3. Eyes and lips: their outlines from the face mesh, drawn as clean lines.
4. Strokes of one controlled width (``thickness``), anti-aliased.
5. The background removed: ink farther than ``margin`` px from the person mask goes,
   unless ``keep_background``.
"""

from __future__ import annotations

import logging
from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image, check_mask
from retouch.core.options import Range
from retouch.core.registry import create, register
from retouch.lineart.hed import HED_WEIGHTS, hed_edges, load_hed
from retouch.lineart.strokes import dense_ink, drop_small, strokes
from retouch.lineart.xdog import gray, ink_to_rgb, xdog_ink
from retouch.segment.face.detect import FACE_DETECTORS

__all__ = ["PortraitLines", "face_ink", "person_keep", "render"]

log = logging.getLogger(__name__)
REFERENCE_SIDE = 512  # sizes in pixels below are for a photo of this longer side


def render(lines: np.ndarray, thickness: int) -> np.ndarray:
    """One-pixel ``lines`` (bool H x W) as strokes about ``thickness`` px wide, lightly
    anti-aliased: H x W float32 ink in [0, 1]."""
    ink = lines.astype(np.float32)
    if thickness > 1:
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (thickness, thickness))
        ink = cv2.dilate(ink, disk)
    return cv2.GaussianBlur(ink, (0, 0), 0.6)


def face_ink(image: np.ndarray, *, detail: float, scale: float) -> tuple[np.ndarray, list]:
    """XDoG detail inside every face of ``image`` (H x W x 3 uint8) and the face meshes:
    (bool H x W lines, list of 468 x 3 meshes). ``detail`` in [0, 1]: 0 gives no detail."""
    from retouch.segment.face.detect import detect_faces
    from retouch.segment.face.mesh import face_meshes
    from retouch.segment.face.parts import part_mask

    meshes = face_meshes(image, detect_faces(image))
    lines = np.zeros(image.shape[:2], bool)
    if not meshes or detail <= 0:
        return lines, meshes
    faces = np.zeros(image.shape[:2], np.uint8)
    for mesh in meshes:
        np.maximum(faces, part_mask(faces.shape, mesh, "all"), out=faces)
    epsilon = -0.02 - 0.4 * (1.0 - detail)
    sigma = max(0.7, 0.9 * scale)
    ink = xdog_ink(gray(image), sigma=sigma, k=1.6, p=20.0, epsilon=epsilon, phi=10.0) > 0.5
    ink &= ~dense_ink(ink.astype(np.float32), window=round(11 * scale), share=0.3)
    return drop_small(ink & (faces > 0), max(4, round(8 * scale))), meshes


def mesh_lines(shape: tuple[int, int], meshes: list) -> np.ndarray:
    """Outlines of the eyes and lips of every face mesh, one pixel: bool H x W."""
    from retouch.segment.face.parts import polygons

    out = np.zeros(shape, np.uint8)
    loops = polygons()
    for mesh in meshes:
        for name in ("eyes", "lips_outer", "lips_inner"):
            pts = [np.round(mesh[list(loop), :2] * 4).astype(np.int32) for loop in loops[name]]
            cv2.polylines(out, pts, True, 1, 1, lineType=cv2.LINE_8, shift=2)
    return out > 0


def person_keep(person: np.ndarray, margin: int) -> np.ndarray:
    """Where ink may stay: the person mask (H x W uint8 0/255) grown by ``margin`` px (bool).
    An empty mask (no person found) keeps everything."""
    if not person.any():
        log.warning("no person found: the background is kept")
        return np.ones(person.shape, bool)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    return cv2.dilate(person, disk) > 0


@register(
    "lineart",
    "portrait",
    "portrait drawing: HED structure strokes, XDoG facial detail, mesh-guided eyes and "
    "lips, background removed with the person mask",
    default=True,
)
class PortraitLines:
    """Line art of a portrait; call with H x W x 3 uint8 RGB, get H x W x 3 uint8 RGB
    (black strokes on white, the input's size). ``person=`` (H x W uint8 0/255) at call
    time replaces the person segmenter's mask.

    Parameters
    ----------
    thickness: stroke width in px (0: 2 px per 512 px of the longer side).
    detail: how much XDoG detail inside faces, 0 (none) to 1 (most).
    keep_background: draw the background too (no person mask).
    face_lines: draw the eyes and lips from the face mesh.
    hed_side: the longer side HED runs at (larger: finer structure, slower).
    low, high: hysteresis cuts on HED's edge probability.
    margin: px around the person mask where ink may stay.
    """

    weights = (HED_WEIGHTS, "selfie", *FACE_DETECTORS, "face-mesh")

    def __init__(
        self,
        *,
        thickness: Annotated[int, Range(0, 15)] = 0,
        detail: Annotated[float, Range(0, 1)] = 0.5,
        keep_background: bool = False,
        face_lines: bool = True,
        hed_side: Annotated[int, Range(128, 1024)] = 256,
        low: Annotated[float, Range(0, 1)] = 0.15,
        high: Annotated[float, Range(0, 1)] = 0.4,
        margin: Annotated[int, Range(0, 50)] = 3,
    ) -> None:
        load_hed()
        self.person = None if keep_background else create("person")
        self.thickness, self.detail, self.face_lines = thickness, detail, face_lines
        self.hed_side, self.low, self.high, self.margin = hed_side, low, high, margin

    def __call__(self, image: np.ndarray, *, person: np.ndarray | None = None) -> np.ndarray:
        return ink_to_rgb(self.ink(image, person=person))

    def ink(self, image: np.ndarray, *, person: np.ndarray | None = None) -> np.ndarray:
        """The drawing as ink: H x W float32 in [0, 1], 1 = black."""
        image = check_image(image)
        h, w = image.shape[:2]
        scale = max(h, w) / REFERENCE_SIDE
        p = hed_edges(image, long_side=min(self.hed_side, max(h, w)))
        lines = strokes(p, low=self.low, high=self.high, min_length=max(6, round(12 * scale)))
        detail, meshes = face_ink(image, detail=self.detail, scale=scale)
        lines |= detail
        lines[:3], lines[-3:], lines[:, :3], lines[:, -3:] = False, False, False, False  # HED rims
        if self.face_lines and meshes:
            lines |= mesh_lines(lines.shape, meshes)
        if person is not None:
            lines &= person_keep(check_mask(person, shape=(h, w)), self.margin)
        elif self.person is not None:
            lines &= person_keep(self.person(image), self.margin)
        return render(lines, self.thickness or max(1, round(2 * scale)))
