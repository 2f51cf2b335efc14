"""The ``classical-fill`` tattoo method: ink found by colour and shape, filled from skin.

``find_ink`` runs at a working resolution (the long side at most ``WORK_SIDE``): the
skin segmenter's mask, the local skin colour model and the ink score there (see
``retouch.tattoo.ink``); the mask is scaled to the photo and grown. ``ClassicalFill``
holds the skin segmenter (a loaded network) and calls these functions; the fill is
``retouch.tattoo.fill.fill_tattoo`` at full resolution, so only the mask changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

import numpy as np

from retouch.core.arrays import check_image, check_mask, fit_long_side
from retouch.core.masks import resize_mask
from retouch.core.options import OneOf, Range
from retouch.core.registry import create, list_methods, register
from retouch.inpaint.base import MAX_SEED
from retouch.tattoo import ink
from retouch.tattoo.fill import fill_from_bare_skin

__all__ = [
    "WORK_SIDE",
    "ClassicalFill",
    "InkSettings",
    "find_ink",
    "full_size_mask",
    "ink_evidence",
    "working_copy",
]

WORK_SIDE = 640  # detection's long side (px): the dev photos' size, 0.2 s of skin model
SOURCE_EVIDENCE = 0.5  # skin whose ink evidence is below this is bare enough to copy from

SKIN_METHODS = tuple(m.name for m in list_methods("skin"))
FILL_METHODS = tuple(m.name for m in list_methods("inpaint"))


@dataclass(frozen=True)
class InkSettings:
    """The thresholds of ``find_ink`` (see ``ink.ink_score``) and its sizes, as fractions
    of the working image's long side."""

    dark: float = 0.22
    chroma: float = 14.0
    line: float = 0.12
    low: float = 0.7
    model_scale: float = 0.03
    line_scale: float = 0.02
    close_scale: float = 0.05
    reach_scale: float = 0.2
    min_area: float = 2e-4
    tidy_scale: float = 0.006
    rounds: int = 2
    in_skin: float = 2.5


def ink_evidence(image: np.ndarray, skin: np.ndarray, settings: InkSettings) -> np.ndarray:
    """How much each pixel of ``image`` looks like tattoo ink: H x W float32, >= 1: ink.

    image: H x W x 3 uint8 RGB at the working resolution; skin: H x W bool, its skin
    mask (which leaves dark ink out). The departure from the skin model
    (``ink.ink_score``), divided by ``in_skin`` where the segmenter saw skin, and 0
    outside the skin's extent (``ink.skin_extent``).
    """
    side = max(image.shape[:2])
    px = lambda scale: max(1, round(scale * side))  # noqa: E731
    lab = ink.to_lab(image)
    mean = ink.skin_model(lab, skin, sigma=px(settings.model_scale), rounds=settings.rounds)
    score = ink.ink_score(
        lab,
        mean,
        dark=settings.dark,
        chroma=settings.chroma,
        line=settings.line,
        line_px=px(settings.line_scale) | 1,
    )
    extent = ink.skin_extent(
        skin, close_px=px(settings.close_scale), reach_px=px(settings.reach_scale)
    )
    score = np.where(skin, score / settings.in_skin, score)  # the segmenter says skin
    return np.where(extent, score, 0.0).astype(np.float32)


def find_ink(image: np.ndarray, skin: np.ndarray, settings: InkSettings) -> np.ndarray:
    """The tattoo ink of ``image``: H x W bool, at the size of ``image`` (the working
    resolution): ``ink_evidence`` kept by hysteresis and tidied."""
    return ink_from_evidence(ink_evidence(image, skin, settings), settings)


def ink_from_evidence(score: np.ndarray, settings: InkSettings) -> np.ndarray:
    """H x W bool: the pixels of ``score`` (``ink_evidence``) joined by hysteresis to one
    >= 1, specks dropped, strokes closed."""
    found = ink.hysteresis(score, low=settings.low)
    return ink.clean_ink(
        found,
        min_area=round(settings.min_area * score.shape[0] * score.shape[1]),
        close_px=max(1, round(settings.tidy_scale * max(score.shape))) | 1,
        grow_px=0,
    )


FEATURE_GROW = 0.01  # face features grow by this share of the long side (at least 2 px)


def face_features(image: np.ndarray) -> np.ndarray:
    """H x W bool: the eyes, brows, lips and open mouth of every face in ``image`` (H x W
    x 3 uint8 RGB), from the face mesh, grown by ``FEATURE_GROW`` of its long side: dark
    and off-hue like ink, never ink to remove. No face found: all False."""
    from retouch.segment.face import detect_faces, face_meshes
    from retouch.segment.face.parts import feature_mask

    out = np.zeros(image.shape[:2], np.uint8)
    for mesh in face_meshes(image, detect_faces(image)):
        np.maximum(out, feature_mask(out.shape, mesh), out=out)
    grow_px = max(2, round(FEATURE_GROW * max(image.shape[:2])))
    return ink.clean_ink(out > 0, min_area=1, close_px=0, grow_px=grow_px)


@register(
    "tattoo",
    "classical-fill",
    "no network: ink found inside the skin as dark or off-hue departures from a local skin "
    "colour model and thin dark lines (black-hat), filled by PatchMatch from nearby skin",
)
class ClassicalFill:
    """Detects tattoo ink and fills it; holds the skin segmenter between photos.

    ``detect(image)`` -> H x W uint8 0/255 mask; ``method(image, mask=None)`` -> the
    image with the mask (detected when None) filled; pixels outside it unchanged.
    """

    def __init__(
        self,
        *,
        skin: Annotated[str, OneOf(SKIN_METHODS)] = "u2netp",
        dark: Annotated[float, Range(0.02, 1.0)] = 0.22,
        chroma: Annotated[float, Range(1.0, 100.0)] = 14.0,
        line: Annotated[float, Range(0.01, 1.0)] = 0.12,
        grow_pct: Annotated[float, Range(0.0, 5.0)] = 0.5,
        fill: Annotated[str, OneOf(FILL_METHODS)] = "patchmatch",
        seed: Annotated[int, Range(0, MAX_SEED)] = 0,
        faces: bool = True,
    ):
        self.settings = InkSettings(dark=dark, chroma=chroma, line=line)
        self.skin_method, self.grow_pct, self.fill, self.seed = skin, grow_pct, fill, seed
        self.faces = faces
        self._skin = None
        self._last: tuple[bytes, np.ndarray] | None = None

    def _skin_mask(self, small: np.ndarray) -> np.ndarray:
        """The skin mask of ``small``, a photo's working copy: bool at its size. The last
        photo's is kept, so ``detect`` then the fill segment it once (``retouch tattoo``)."""
        if self._skin is None:
            self._skin = create("skin", self.skin_method)
        key = hashlib.blake2b(small.tobytes(), digest_size=16).digest() + repr(small.shape).encode()
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        skin = np.asarray(self._skin(small)) > 0
        self._last = (key, skin)
        return skin

    def detect(self, image: np.ndarray) -> np.ndarray:
        """The tattoo mask of ``image`` (H x W x 3 uint8 RGB): H x W uint8, 255 = ink,
        grown by ``grow_pct`` % of the long side, at the image's full resolution."""
        image = check_image(image)
        small = working_copy(image)
        score = ink_evidence(small, self._skin_mask(small), self.settings)
        return self._detect(image, small, score)

    def _detect(self, image: np.ndarray, small: np.ndarray, score: np.ndarray) -> np.ndarray:
        """The mask at ``image``'s size from ``ink_evidence`` of its working copy ``small``."""
        found = ink_from_evidence(score, self.settings)
        if self.faces and found.any():
            found &= ~face_features(small)
        return full_size_mask(found, image.shape[:2], grow_pct=self.grow_pct)

    def __call__(self, image: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """``image`` with the tattoo (``mask``, or the detected one) filled from nearby skin.

        image: H x W x 3 uint8 RGB; mask: H x W uint8 0/255 (255 = remove) or None.
        Fill material comes from skin with little ink evidence (``SOURCE_EVIDENCE``), so
        a faint part of the tattoo is not copied into the hole.
        Returns H x W x 3 uint8; pixels outside the mask are bit-identical.
        """
        image = check_image(image)
        if mask is not None:
            mask = check_mask(mask, image.shape[:2])
        small = working_copy(image)
        skin = self._skin_mask(small)
        score = ink_evidence(small, skin, self.settings)
        hole = (self._detect(image, small, score) if mask is None else mask) > 0
        if not hole.any():
            return image.copy()
        bare = skin & (score < SOURCE_EVIDENCE)
        return fill_from_bare_skin(image, hole, bare, fill=self.fill, seed=self.seed)


def working_copy(image: np.ndarray) -> np.ndarray:
    """``image`` with its long side at most ``WORK_SIDE`` (itself when it fits): the size
    a tattoo method looks for ink at."""
    return fit_long_side(image, WORK_SIDE) if max(image.shape[:2]) > WORK_SIDE else image


def full_size_mask(found: np.ndarray, shape: tuple[int, int], *, grow_pct: float) -> np.ndarray:
    """The ink ``found`` at the working size (H' x W' bool) as the 0/255 mask of a photo of
    ``shape``, grown by ``grow_pct`` % of its long side: H x W uint8."""
    mask = resize_mask(np.where(found, 255, 0).astype(np.uint8), shape) > 0
    grow_px = round(grow_pct / 100.0 * max(shape))
    grown = ink.clean_ink(mask, min_area=1, close_px=0, grow_px=grow_px)
    return np.where(grown, 255, 0).astype(np.uint8)
