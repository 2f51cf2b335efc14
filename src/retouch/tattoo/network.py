"""The ``detect-fill`` tattoo method (the default): our tattoo ink network finds the ink,
the fill of ``classical-fill`` removes it.

The network (``effnet_tattoo.onnx``: EfficientNet-Lite0 encoder + the light U-Net
decoder of the effnet skin network, trained by ``retouch train run tattoo_effnet_cpu``
on synthetic pairs of ``retouch synth tattoo``; model card ``effnet_tattoo.md``) runs
with onnxruntime, no torch. ``ink_probability`` runs it on a photo with the shorter
side at ``short_side``; ``ink_mask`` cuts P(ink) at the record's threshold (chosen on
synthetic validation pairs), keeps it inside the skin's extent (``ink.skin_extent`` of
the skin segmenter's mask, which leaves dark ink out) and drops specks; ``extend_ink``
adds the ink ``classical-fill`` finds where it touches the network's (``extend``: the
network tells a tattoo from a mole or a shadow, the skin colour model finds all of a
dense piece). ``DetectFill`` does that at the working resolution of
``classical.WORK_SIDE``, scales the mask to the
photo, grows it by ``grow_pct`` (0 by default: on the validation pairs any growth
lowered the IoU) and fills it with ``fill.fill_tattoo`` at full resolution: only the
mask's pixels change. ``$RETOUCH_MODEL_DIR`` holding an ``effnet_tattoo.onnx`` with its
``.json`` replaces the shipped weights.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image, check_mask, fit_long_side
from retouch.core.masks import touching
from retouch.core.options import OneOf, Range
from retouch.core.registry import create, register
from retouch.core.weights import WeightsRecord, register_weights
from retouch.inpaint.base import MAX_SEED
from retouch.tattoo import ink
from retouch.tattoo.classical import (
    FILL_METHODS,
    SKIN_METHODS,
    InkSettings,
    face_features,
    find_ink,
    full_size_mask,
    working_copy,
)
from retouch.tattoo.fill import fill_from_bare_skin

__all__ = ["WEIGHTS", "DetectFill", "extend_ink", "ink_mask", "ink_probability"]

WEIGHTS = "effnet_tattoo"  # its weights record
BARE = 0.2  # skin whose P(ink) is below this is bare enough to copy fill material from

_record = Path(__file__).with_name(f"{WEIGHTS}.json")
if _record.is_file():
    register_weights(
        WeightsRecord.from_json(_record, package="retouch", package_path=f"tattoo/{WEIGHTS}.onnx")
    )


def ink_probability(session, image: np.ndarray, *, short_side: int) -> np.ndarray:
    """P(ink) of each pixel of ``image``: H x W float32 in [0, 1].

    session: the onnxruntime session of the tattoo network; image: H x W x 3 uint8 RGB,
    run with its shorter side at ``short_side`` (the longer at most twice that), the
    scale of the training crops; the probability is scaled back bilinearly.
    """
    h, w = image.shape[:2]
    long_side = min(2 * short_side, round(short_side * max(h, w) / max(1, min(h, w))))
    small = fit_long_side(image, long_side)
    x = small.astype(np.float32).transpose(2, 0, 1)[None] / 255.0
    p = session.run(None, {"image": x})[0][0, 0]
    return cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR)


def ink_mask(
    probability: np.ndarray, skin: np.ndarray, *, threshold: float, min_area: int = 1
) -> np.ndarray:
    """The ink: H x W bool, where ``probability`` (H x W float32, ``ink_probability``)
    reaches ``threshold`` inside the extent of ``skin`` (H x W bool, the segmenter's
    mask: closed, its holes filled, ``ink.skin_extent``), components under ``min_area``
    pixels dropped.

    >>> p = np.zeros((8, 8), np.float32); p[2:4, 2:6] = 0.9
    >>> int(ink_mask(p, np.ones((8, 8), bool), threshold=0.5).sum())
    8
    """
    side = max(probability.shape)
    extent = ink.skin_extent(
        skin, close_px=max(1, round(0.05 * side)), reach_px=max(1, round(0.2 * side))
    )
    found = (probability >= threshold) & extent
    return ink.clean_ink(found, min_area=min_area, close_px=0, grow_px=0)


def extend_ink(
    image: np.ndarray, skin: np.ndarray, found: np.ndarray, *, faces: bool = True
) -> np.ndarray:
    """``found`` (H x W bool, the network's ink) grown over the ink ``classical-fill``
    finds in ``image`` (H x W x 3 uint8 RGB; ``skin`` its skin mask, H x W bool) that
    it touches: the network tells a tattoo from a mole or a shadow, the departure from
    the skin's colour gives the whole of it. With ``faces``, the eyes, brows and lips
    of the face mesh are never added."""
    extent = find_ink(image, skin, InkSettings())
    if faces and extent.any():
        extent &= ~face_features(image)
    return touching(found | extent, found)


@register(
    "tattoo",
    "detect-fill",
    "our tattoo ink network (EfficientNet-Lite0 + U-Net decoder, trained on synthetic "
    "tattoos, onnxruntime) inside the skin, extended over the skin-colour departures it "
    "touches, filled by PatchMatch from nearby skin",
    default=True,
)
class DetectFill:
    """Detects tattoo ink with the network and fills it; holds both networks.

    ``detect(image)`` -> H x W uint8 0/255 mask; ``method(image, mask=None)`` -> the
    image with the mask (detected when None) filled; pixels outside it unchanged.
    ``soft(image)`` -> P(ink), H x W float32 in [0, 1], at the image's size.
    """

    def __init__(
        self,
        *,
        skin: Annotated[str, OneOf(SKIN_METHODS)] = "effnet",
        threshold: Annotated[float, Range(0.0, 1.0)] = 0.0,
        short_side: Annotated[int, Range(64, 1024)] = 320,
        grow_pct: Annotated[float, Range(0.0, 5.0)] = 0.0,
        extend: bool = True,
        faces: bool = True,
        fill: Annotated[str, OneOf(FILL_METHODS)] = "patchmatch",
        seed: Annotated[int, Range(0, MAX_SEED)] = 0,
    ):
        from retouch.core.onnx import open_session

        self.session, self.record = open_session(WEIGHTS)
        # 0: the record's threshold, the one chosen on synthetic validation pairs.
        self.threshold = threshold or float(self.record.extra.get("threshold", 0.5))
        self.skin_method, self.short_side, self.grow_pct = skin, short_side, grow_pct
        self.extend, self.faces = extend, faces
        self.fill, self.seed = fill, seed
        self._skin = None
        self._last: tuple[bytes, tuple[np.ndarray, np.ndarray]] | None = None

    def _analyse(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(the working copy of ``image``, its skin H x W bool, its P(ink) H x W float32);
        the last photo's skin and P(ink) are kept, so ``detect`` then the fill run the
        networks once."""
        small = working_copy(image)
        key = hashlib.blake2b(small.tobytes(), digest_size=16).digest() + repr(small.shape).encode()
        if self._last is not None and self._last[0] == key:
            return (small, *self._last[1])
        if self._skin is None:
            self._skin = create("skin", self.skin_method)
        skin = np.asarray(self._skin(small)) > 0
        found = (skin, ink_probability(self.session, small, short_side=self.short_side))
        self._last = (key, found)
        return (small, *found)

    def soft(self, image: np.ndarray) -> np.ndarray:
        """P(ink) of ``image`` (H x W x 3 uint8 RGB): H x W float32 in [0, 1]."""
        image = check_image(image)
        p = self._analyse(image)[2]
        return cv2.resize(p, image.shape[1::-1], interpolation=cv2.INTER_LINEAR)

    def detect(self, image: np.ndarray) -> np.ndarray:
        """The tattoo mask of ``image`` (H x W x 3 uint8 RGB): H x W uint8, 255 = ink,
        grown by ``grow_pct`` % of the long side, at the image's full resolution."""
        image = check_image(image)
        small, skin, p = self._analyse(image)
        min_area = max(1, round(2e-4 * p.size))
        found = ink_mask(p, skin, threshold=self.threshold, min_area=min_area)
        if self.extend and found.any():
            found = extend_ink(small, skin, found, faces=self.faces)
        return full_size_mask(found, image.shape[:2], grow_pct=self.grow_pct)

    def __call__(self, image: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """``image`` with the tattoo (``mask``, or the detected one) filled from nearby skin.

        image: H x W x 3 uint8 RGB; mask: H x W uint8 0/255 (255 = remove) or None.
        Fill material comes from skin where P(ink) is below ``BARE``, so a faint part of
        the tattoo is not copied into the hole. Returns H x W x 3 uint8; pixels outside
        the mask are bit-identical.
        """
        image = check_image(image)
        if mask is not None:
            mask = check_mask(mask, image.shape[:2])
        hole = (self.detect(image) if mask is None else mask) > 0
        if not hole.any():
            return image.copy()
        _, skin, p = self._analyse(image)
        return fill_from_bare_skin(image, hole, skin & (p < BARE), fill=self.fill, seed=self.seed)
