"""Face-adaptive skin segmentation: each photo's skin colour, learned from its own faces.

For every face the mesh gives the cheeks and the forehead; their pixels (trimmed
of shadows, highlights and stray hair) fit a Gaussian in Cr/Cb chroma per face.
That photo-specific likelihood is blended with the learned colour prior (the
``bayes`` table), the result is restricted to the people in the photo, and the
mask is cleaned (specks removed, pinholes filled) and refined along image edges.
Photos without a usable face fall back to the prior alone: on close-ups (a belly,
an arm) the person segmenter sees no person or only part of one, and restricting
to it lost a quarter of the IoU on held-out training close-ups (see
docs/segmentation.md).
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.registry import register
from retouch.segment.face.detect import Face, detect_faces
from retouch.segment.face.mesh import face_meshes
from retouch.segment.face.parts import sample_mask
from retouch.segment.person.models import SelfieSegmenter
from retouch.segment.refine import fill_holes, guided_upsample, remove_specks
from retouch.segment.skin.bayes import load_table, skin_probability

__all__ = ["AdaptiveSkin", "chroma_likelihood", "chroma_model"]

log = logging.getLogger(__name__)

_MIN_SAMPLES = 30


def chroma_model(image: np.ndarray, sample: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Mean (2,) and covariance (2 x 2) of Cr/Cb over the ``sample`` mask's skin pixels.

    Pixels outside the 10th-95th luma percentiles (shadows, highlights) are ignored.
    Returns None when too few pixels remain.
    """
    ycc = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)[sample > 0].astype(np.float32)
    if len(ycc) < _MIN_SAMPLES:
        return None
    lo, hi = np.percentile(ycc[:, 0], [10, 95])
    ycc = ycc[(ycc[:, 0] >= lo) & (ycc[:, 0] <= hi)]
    if len(ycc) < _MIN_SAMPLES:
        return None
    chroma = ycc[:, 1:]
    mean = np.median(chroma, axis=0)
    cov = np.cov(chroma, rowvar=False) + np.eye(2, dtype=np.float32) * 4.0
    return mean.astype(np.float32), cov.astype(np.float32)


def chroma_likelihood(
    models: list[tuple[np.ndarray, np.ndarray]], *, spread: float = 2.5
) -> np.ndarray:
    """256 x 256 lookup (Cr, Cb) -> similarity in [0, 1] to the nearest face model.

    ``spread`` widens each Gaussian (in standard deviations) to cover the same
    skin in shade or on another body part.
    """
    cr, cb = np.meshgrid(
        np.arange(256, dtype=np.float32), np.arange(256, dtype=np.float32), indexing="ij"
    )
    grid = np.stack([cr.ravel(), cb.ravel()], axis=1)
    best = np.zeros(len(grid), np.float32)
    for mean, cov in models:
        d = grid - mean
        m2 = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
        np.maximum(best, np.exp(-0.5 * m2 / spread**2), out=best)
    return best.reshape(256, 256)


@register(
    "skin",
    "adaptive",
    "skin colour learned per photo from its faces' cheeks and "
    "forehead, blended with the bayes prior, within the person mask",
    default=True,
)
class AdaptiveSkin:
    """Face-adaptive skin; call with an H x W x 3 uint8 RGB image, get H x W uint8 0/255.

    ``prior_weight``: share of the learned colour prior in the blend (0..1).
    ``threshold``: cut on the blended score. ``spread``: tolerance of the face colour
    model. ``person``: restrict to the person mask when the photo has a face.
    """

    def __init__(
        self,
        *,
        prior_weight: float = 0.6,
        threshold: float = 0.5,
        spread: float = 2.5,
        person: bool = True,
        refine: bool = True,
    ) -> None:
        self.prior_weight = prior_weight
        self.threshold = threshold
        self.spread = spread
        self.person = SelfieSegmenter() if person else None
        self.refine = refine

    def score(
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
            m
            for mesh in meshes
            if (m := chroma_model(image, sample_mask(image.shape[:2], mesh))) is not None
        ]
        prior = np.clip(skin_probability(image) / (2 * load_table().threshold), 0.0, 1.0)
        if models:
            ycc = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
            own = chroma_likelihood(models, spread=self.spread)[ycc[..., 1], ycc[..., 2]]
            score = self.prior_weight * prior + (1.0 - self.prior_weight) * own
        else:
            log.info("no usable face: skin colour comes from the learned prior only")
            score = prior
        if self.person is not None and models:
            score = self._within_people(image, score, faces)
        return score

    def _within_people(self, image: np.ndarray, score: np.ndarray, faces) -> np.ndarray:
        conf = self.person.confidence(image, faces=faces)
        if np.count_nonzero(conf >= 0.5) < 0.005 * conf.size:
            log.info("no person found: the skin mask is not restricted to people")
            return score
        return score * np.clip((conf - 0.1) / 0.3, 0.0, 1.0)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        score = self.score(image)
        mask = np.where(score >= self.threshold, 255, 0).astype(np.uint8)
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
