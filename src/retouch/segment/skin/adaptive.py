"""Face-adaptive skin segmentation: each photo's skin colour, learned from its own faces.

For every face the mesh gives the cheeks and the forehead; their pixels (trimmed
of shadows, highlights and stray hair) fit a Gaussian in Cr/Cb chroma per face.
That photo-specific likelihood is blended with the learned colour prior (the
``bayes`` table), the result is restricted to the people in the photo, and the
mask is cleaned (specks removed, pinholes filled) and refined along image edges.
Photos without a usable face fall back to the prior within the person mask,
except close-ups (the prior marks over a quarter of the photo as skin: a belly,
an arm): the person segmenter sees no person or only part of one there, and
restricting to it cost 0.11 to 0.18 mean IoU on skin/train close-ups (see
docs/segmentation.md).
"""

from __future__ import annotations

import logging
from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.options import Range
from retouch.core.registry import register
from retouch.segment.face.detect import FACE_DETECTORS, Face, detect_faces
from retouch.segment.face.mesh import face_meshes
from retouch.segment.face.parts import feature_mask, local, mesh_box, sample_pixels
from retouch.segment.person.models import SelfieSegmenter
from retouch.segment.refine import fill_holes, guided_upsample, remove_specks
from retouch.segment.skin.bayes import load_table, skin_probability
from retouch.segment.skin.colour import colour_similarity, fit_skin_colour, is_greyscale

__all__ = ["AdaptiveSkin", "within_people"]

log = logging.getLogger(__name__)


def within_people(
    image: np.ndarray, score: np.ndarray, faces: list[Face], person: SelfieSegmenter
) -> np.ndarray:
    """``score`` (H x W float32 [0, 1]) faded out away from the people ``person`` finds
    in ``image``; unchanged when no person is found at all."""
    conf = person.soft(image, faces=faces)
    if np.count_nonzero(conf >= 0.5) < 0.005 * conf.size:
        log.info("no person found: the skin mask is not restricted to people")
        return score
    return score * np.clip((conf - 0.1) / 0.3, 0.0, 1.0)


@register(
    "skin",
    "adaptive",
    "skin colour learned per photo from its faces' cheeks and "
    "forehead, blended with the bayes prior, within the person mask",
)
class AdaptiveSkin:
    """Face-adaptive skin; call with an H x W x 3 uint8 RGB image, get H x W uint8 0/255.

    ``prior_weight``: share of the learned colour prior in the blend (0..1).
    ``threshold``: cut on the blended score. ``spread``: tolerance of the face colour
    model. ``person``: restrict to the person mask. ``closeup``: a faceless photo
    whose prior marks more than this share of pixels as skin is a close-up and is
    not restricted to people.
    """

    weights = ("skin_colour_rgb32", "selfie", *FACE_DETECTORS, "face-mesh")

    def __init__(
        self,
        *,
        prior_weight: Annotated[float, Range(0, 1)] = 0.4,
        threshold: Annotated[float, Range(0, 1)] = 0.5,
        spread: Annotated[float, Range(0.1, 100)] = 4.0,
        person: bool = True,
        refine: bool = True,
        closeup: Annotated[float, Range(0, 1)] = 0.25,
    ) -> None:
        self.closeup = closeup
        self.prior_weight = prior_weight
        self.threshold = threshold
        self.spread = spread
        self.person = SelfieSegmenter() if person else None
        self.refine = refine

    def soft(
        self, image: np.ndarray, *, faces: list[Face] | None = None, meshes: list | None = None
    ) -> np.ndarray:
        """H x W float32 in [0, 1]: the blended skin score before the cut.

        ``faces`` and ``meshes`` (from ``detect_faces`` / ``face_meshes``) skip the
        face search when the caller already ran it.
        """
        image = check_image(image)
        faces = detect_faces(image) if faces is None else faces
        meshes = face_meshes(image, faces) if meshes is None else meshes
        models = [
            m for mesh in meshes if (m := fit_skin_colour(sample_pixels(image, mesh))) is not None
        ]
        prior = np.clip(skin_probability(image) / (2 * load_table().threshold), 0.0, 1.0)
        if models and is_greyscale(image):
            score = colour_similarity(image, models, spread=self.spread)
        elif models:
            own = colour_similarity(image, models, spread=self.spread)
            score = self.prior_weight * prior + (1.0 - self.prior_weight) * own
        else:
            log.info("no usable face: skin colour comes from the learned prior only")
            score = prior
        closeup = not models and np.count_nonzero(score >= 0.5) > self.closeup * score.size
        if self.person is not None and not closeup:
            score = within_people(image, score, faces, self.person)
        return score

    def __call__(self, image: np.ndarray) -> np.ndarray:
        image = check_image(image)
        faces = detect_faces(image)
        meshes = face_meshes(image, faces)
        score = self.soft(image, faces=faces, meshes=meshes)
        mask = np.where(score >= self.threshold, 255, 0).astype(np.uint8)
        for mesh in meshes:  # eyes, brows and lips are never skin
            box = mesh_box(mesh, mask.shape)
            crop = mask[box[0] : box[2], box[1] : box[3]]
            crop[feature_mask(crop.shape, local(mesh, box)) > 0] = 0
        area = mask.size
        mask = fill_holes(remove_specks(mask, int(area * 3e-4)), int(area * 3e-4))
        if self.refine and mask.any():
            mask = _refine(mask, image)
        if not mask.any():
            log.info("no skin found in the image: the mask is empty")
        return mask


def _refine(mask: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Snap mask edges to image edges: guided filter from a half-resolution copy."""
    h, w = mask.shape
    small = cv2.resize(
        mask.astype(np.float32) / 255.0,
        (max(1, w // 2), max(1, h // 2)),
        interpolation=cv2.INTER_AREA,
    )
    soft = guided_upsample(small, image, radius=2, eps=1e-3)
    return np.where(soft >= 0.5, 255, 0).astype(np.uint8)
