"""Skin segmentation by our own trained network (U^2-NetP), run with onnxruntime.

The weights (``u2netp_skin.onnx``), their weights record (``.json``, a
``core.weights.WeightsRecord``: checksum, input contract, recipe, data fingerprint, the
command that made them) and model card (``.md``) ship in this folder; they were made
by ``retouch train run skin_u2netp_cpu``, ``skin_u2netp_cpu_finetune`` from that run
and ``retouch train export`` (no torch needed here). ``$RETOUCH_MODEL_DIR`` holding a
``u2netp_skin.onnx`` (with its ``.json`` record, as the export writes it) replaces them.

Default: one pass with the photo's longer side at the record's ``long_side`` (256),
P(skin) upsampled along the photo's edges (guided filter). Where the photo has faces,
a pixel keeps only as much P(skin) as its colour matches those faces' skin
(``adaptive``'s per-photo colour model), and P(skin) fades out away from people
(MediaPipe's person mask); close-ups without a face skip both. Cut at 0.5. ``tiles=True``
adds a high-resolution pass: overlapping tiles of a larger copy of the photo, blended
with a smooth window, averaged with the whole-image pass (slower, finer on big photos).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image, fit_long_side
from retouch.core.cancel import check_cancelled
from retouch.core.onnx import open_session
from retouch.core.options import Range
from retouch.core.registry import register
from retouch.core.weights import (
    WeightsRecord,
    find_weights,
    install_path,
    register_weights,
)
from retouch.segment.face.detect import FACE_DETECTORS
from retouch.segment.refine import guided_upsample

__all__ = ["NetworkSkin", "load_network", "net_dir", "tile_weights"]

register_weights(
    WeightsRecord.from_json(
        Path(__file__).with_name("u2netp_skin.json"),
        package="retouch",
        package_path="segment/skin/u2netp_skin.onnx",
    )
)


def net_dir() -> Path:
    """The folder ``u2netp_skin.onnx`` is read from (see ``core.weights``)."""
    return (find_weights("u2netp_skin") or install_path("u2netp_skin")).parent


@cache
def load_network(name: str) -> tuple[object, WeightsRecord]:
    """(onnxruntime session, weights record) for ``name`` (e.g. ``u2netp_skin``), checked
    against the record's sha256. Raises MissingModelError naming the command that
    provides it."""
    return open_session(name)


def _run(session, images: list[np.ndarray]) -> list[np.ndarray]:
    """P(skin) for same-sized uint8 RGB images, one batch."""
    x = np.stack(images).astype(np.float32).transpose(0, 3, 1, 2) / 255.0
    out = session.run(None, {"image": x})[0]
    return [o[0] for o in out]


def tile_weights(size: int) -> np.ndarray:
    """A smooth ``size x size`` blending window: raised cosine, never exactly 0."""
    ramp = 0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(size) + 0.5) / size)
    return (np.outer(ramp, ramp) + 1e-3).astype(np.float32)


def _tiled(session, image: np.ndarray, tile: int, long_side: int) -> np.ndarray:
    """P(skin) from overlapping ``tile`` squares of ``image`` at ``long_side``."""
    big = fit_long_side(image, long_side)
    h, w = big.shape[:2]
    if min(h, w) < tile:
        return cv2.resize(_run(session, [fit_long_side(image, tile)])[0], (w, h))
    step = tile * 3 // 4
    ys = sorted({*range(0, h - tile, step), h - tile})
    xs = sorted({*range(0, w - tile, step), w - tile})
    acc = np.zeros((h, w), np.float32)
    norm = np.zeros((h, w), np.float32)
    win = tile_weights(tile)
    for y in ys:
        check_cancelled()
        crops = [big[y : y + tile, x : x + tile] for x in xs]
        for x, p in zip(xs, _run(session, crops), strict=True):
            acc[y : y + tile, x : x + tile] += p * win
            norm[y : y + tile, x : x + tile] += win
    return acc / norm


@register(
    "skin",
    "u2netp",
    "our U^2-NetP trained on skin/train (onnxruntime), checked against the colour of "
    "the photo's faces and kept within its people",
)
class NetworkSkin:
    """Skin by the trained network; call with H x W x 3 uint8 RGB, get H x W uint8 0/255.

    ``long_side``: size the whole photo is run at (0: the record's). ``threshold``: cut
    on P(skin). ``tiles``: add the tiled high-resolution pass. ``refine``: upsample
    along the photo's edges (guided filter) instead of plain bilinear. ``person``: fade
    P(skin) out away from people (MediaPipe person mask, as ``adaptive`` does).
    ``colour``: where the photo has faces, a pixel stays skin only if it also has the
    colour of those faces' skin (``adaptive``'s per-photo colour model; the smaller of
    the two scores is kept). ``colour_cut``: the colour score below which that check
    removes a pixel (0.5: the colour model's own cut; lower trusts the network more,
    which suits face close-ups in uneven light; higher trims more of the skin-coloured
    clothes and wood of group photos). ``portrait``: a photo whose largest face spans at
    least this share of its long side is a portrait, seen at the scale the network was
    trained at, and skips the colour check, which there cuts shadowed necks and cheeks
    (0: the check applies whatever the faces' size). Neither check applies to a
    close-up (no face, and the network calls over ``closeup`` of it skin).
    """

    network = "u2netp_skin"  # its weights record
    weights = (network, "skin_colour_rgb32", "selfie", *FACE_DETECTORS, "face-mesh")

    def __init__(
        self,
        *,
        long_side: Annotated[int, Range(0, 4096)] = 0,
        threshold: Annotated[float, Range(0, 1)] = 0.5,
        tiles: bool = False,
        refine: bool = True,
        person: bool = True,
        colour: bool = True,
        colour_cut: Annotated[float, Range(0.01, 1)] = 0.5,
        portrait: Annotated[float, Range(0, 1)] = 0.25,
        closeup: Annotated[float, Range(0, 1)] = 0.25,
    ) -> None:
        self.session, self.record = load_network(self.network)
        self.person = self.colour = None
        if person:
            from retouch.segment.person.models import SelfieSegmenter

            self.person = SelfieSegmenter()
        if colour:
            from retouch.segment.skin.adaptive import AdaptiveSkin

            self.colour = AdaptiveSkin(person=False)  # only its colour score is used
        if not 0.0 < colour_cut <= 1.0:
            raise ValueError(f"colour_cut must be in (0, 1], got {colour_cut}")
        if not 0.0 <= portrait <= 1.0:
            raise ValueError(f"portrait must be in [0, 1], got {portrait}")
        self.closeup, self.colour_cut, self.portrait = closeup, colour_cut, portrait
        self.long_side = long_side or int(self.record.extra["long_side"])
        if not 32 <= self.long_side <= 4096:
            raise ValueError(f"long_side must be in 32..4096, got {self.long_side}")
        self.threshold, self.tiles, self.refine = threshold, tiles, refine

    def soft(self, image: np.ndarray) -> np.ndarray:
        """P(skin), H x W float32 in [0, 1]."""
        image = check_image(image)
        p = self._network(image)
        if self.person is None and self.colour is None:
            return p
        return self._in_context(image, p)

    def _run_size(self, image: np.ndarray) -> int:
        """The longer side ``image`` is run at (a subclass may derive it from the photo)."""
        return self.long_side

    def _network(self, image: np.ndarray) -> np.ndarray:
        small = fit_long_side(image, self._run_size(image))
        p = _run(self.session, [small])[0]
        if self.tiles and max(image.shape[:2]) > 1.5 * self.long_side:
            hires = min(max(image.shape[:2]), 3 * self.long_side)
            fine = _tiled(self.session, image, self.long_side, hires)
            p = 0.5 * (cv2.resize(p, fine.shape[::-1], interpolation=cv2.INTER_LINEAR) + fine)
        if self.refine:
            return guided_upsample(p, image)
        return cv2.resize(p, image.shape[1::-1], interpolation=cv2.INTER_LINEAR)

    def _in_context(self, image: np.ndarray, p: np.ndarray) -> np.ndarray:
        """The network's P(skin) ``p`` checked against the colour of the photo's own
        faces and against its people."""
        from retouch.segment.face.detect import detect_faces
        from retouch.segment.face.mesh import mesh_for_face
        from retouch.segment.skin.adaptive import within_people

        # A face the mesh model rejects is a false detection (a navel on a belly
        # close-up): it must not turn the close-up into a photo of people.
        found = [(f, m) for f in detect_faces(image) if (m := mesh_for_face(image, f)) is not None]
        if not found and np.count_nonzero(p >= self.threshold) > self.closeup * p.size:
            return p  # a close-up of skin: there may be no whole person to find
        faces = [f for f, _ in found]
        largest = max((f.size for f in faces), default=0.0) / max(image.shape[:2])
        if self.colour is not None and found and not 0 < self.portrait <= largest:
            score = self.colour.soft(image, faces=faces, meshes=[m for _, m in found])
            p = np.minimum(p, np.clip(score * (self.threshold / self.colour_cut), 0.0, 1.0))
        return p if self.person is None else within_people(image, p, faces, self.person)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        return np.where(self.soft(image) >= self.threshold, 255, 0).astype(np.uint8)
