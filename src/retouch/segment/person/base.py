"""The plumbing every person segmenter shares: whole-image pass, one crop per person, refinement.

A model supplies only ``forward(rgb) -> soft`` on a small image (its own network
input size). Here the photo is run whole, then once more around every detected
face (the crop reaches down to the body), so small figures in a group photo get
the model's full resolution. The per-crop maps are merged with a maximum and the
merged map is upsampled to full resolution with a guided filter.
"""

from __future__ import annotations

import logging
from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.cancel import check_cancelled
from retouch.core.options import Range
from retouch.segment.face.detect import Face, detect_faces
from retouch.segment.refine import binarize, guided_upsample, remove_specks

__all__ = ["PersonSegmenter", "person_box"]

log = logging.getLogger(__name__)


def person_box(face: Face, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The region (y0, x0, y1, x1) a person with this face occupies: shoulders, arms, torso."""
    h, w = shape
    s = face.size
    cx, _ = face.center
    x0, x1 = int(cx - 2.4 * s), int(cx + 2.4 * s)
    y0, y1 = int(face.box[1] - 0.9 * s), int(face.box[3] + 5.5 * s)
    return max(0, y0), max(0, x0), min(h, y1), min(w, x1)


class PersonSegmenter:
    """Base class: call with an H x W x 3 uint8 RGB image, get an H x W uint8 mask.

    ``threshold``: confidence above which a pixel is "person". ``per_person``: run
    the model again around each detected face. ``work_size``: longest side of the
    map the crops are merged in. ``outside``: factor on the whole-image confidence
    away from every detected person. ``soft(image)`` is the H x W float32 [0, 1]
    confidence the mask is cut from.
    """

    input_side = 256

    def __init__(
        self,
        *,
        threshold: Annotated[float, Range(0, 1)] = 0.5,
        per_person: bool = True,
        work_size: Annotated[int, Range(64, 8192)] = 1024,
        outside: Annotated[float, Range(0, 1)] = 0.6,
    ) -> None:
        self.outside = outside
        self.threshold = threshold
        self.per_person = per_person
        self.work_size = work_size

    def forward(self, rgb: np.ndarray) -> np.ndarray:
        """The model: h x w x 3 uint8 (any size) -> h x w float32 [0, 1]. Subclasses
        implement it, resizing to and from their network's input."""
        raise NotImplementedError

    def __call__(self, image: np.ndarray) -> np.ndarray:
        mask = binarize(self.soft(image), self.threshold)
        mask = remove_specks(mask, int(mask.size * 2e-4))
        if not mask.any():
            log.info("no person found in the image: the mask is empty")
        return mask

    def soft(self, image: np.ndarray, *, faces: list[Face] | None = None) -> np.ndarray:
        """H x W float32 [0, 1]: how sure the model is that each pixel is a person.

        ``faces`` (in ``image`` pixels) skips face detection when the caller has them.
        """
        image = check_image(image)
        h, w = image.shape[:2]
        scale = min(1.0, self.work_size / max(h, w))
        work = _resize(image, scale)
        merged = self.forward(work)
        if self.per_person:
            faces = self._faces(image, merged, scale) if faces is None else faces
            merged = self._per_person(work, merged, [f.scaled(scale) for f in faces])
        # The guided filter fits its linear model at the soft map's size: half of
        # the work size is plenty and halves the cost on large photos.
        small = (
            cv2.resize(
                merged,
                (max(1, round(w * scale / 2)), max(1, round(h * scale / 2))),
                interpolation=cv2.INTER_AREA,
            )
            if scale * max(h, w) > 512
            else merged
        )
        return guided_upsample(small, image, radius=2, eps=2e-3)

    def _per_person(self, work: np.ndarray, merged: np.ndarray, faces: list[Face]) -> np.ndarray:
        """Re-run the model around each face. Inside a crop, the crop decides (a person
        framed like a selfie is what the model is made for), fading to the whole-image
        confidence towards the crop's borders, where people are cut off; overlapping
        crops take the maximum. Outside every crop the whole-image confidence is
        damped by ``outside``: the selfie model sometimes takes a group photo's
        background for a person."""
        if not faces:
            return merged
        out = np.zeros_like(merged)
        near = np.zeros(merged.shape, bool)
        for face in faces:
            check_cancelled()
            y0, x0, y1, x1 = person_box(face, work.shape[:2])
            crop = self.forward(work[y0:y1, x0:x1])
            weight = _feather((y0, x0, y1, x1), work.shape[:2])
            local = weight * crop + (1.0 - weight) * merged[y0:y1, x0:x1]
            np.maximum(out[y0:y1, x0:x1], local, out=out[y0:y1, x0:x1])
            near[y0:y1, x0:x1] = True
        return np.where(near, out, merged * np.float32(self.outside))

    def _faces(self, image: np.ndarray, merged: np.ndarray, scale: float) -> list[Face]:
        """Faces to re-run the model around. The whole image is searched first; the
        slower tiled search runs when that finds no face, a small one (a group
        photo), or leaves more than 1% of the image's person pixels far from any face."""
        faces = detect_faces(image, tiles=False)
        people = merged >= 0.5
        for face in faces:
            y0, x0, y1, x1 = person_box(face.scaled(scale), merged.shape)
            people[y0:y1, x0:x1] = False
        small = any(f.size < min(image.shape[:2]) / 6 for f in faces)
        if not faces or small or np.count_nonzero(people) > 0.01 * people.size:
            faces = detect_faces(image, tiles=True)
        return faces


def _feather(box: tuple[int, int, int, int], shape: tuple[int, int]) -> np.ndarray:
    """(y1-y0) x (x1-x0) float32 weights: 1 inside, falling to 0 over the outer 15% of
    the box on every side that is not the image border."""
    y0, x0, y1, x1 = box

    def ramp(n: int, lo_open: bool, hi_open: bool) -> np.ndarray:
        pos = np.arange(n, dtype=np.float32) + 0.5
        band = max(1.0, 0.15 * n)
        r = np.ones(n, np.float32)
        if lo_open:
            r = np.minimum(r, pos / band)
        if hi_open:
            r = np.minimum(r, (n - pos) / band)
        return r

    ry = ramp(y1 - y0, y0 > 0, y1 < shape[0])
    rx = ramp(x1 - x0, x0 > 0, x1 < shape[1])
    return np.minimum(ry[:, None], rx[None, :])


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return rgb
    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
