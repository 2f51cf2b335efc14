"""The ``patchmatch-refine`` inpainting method: PatchMatch, then our net corrects the fill.

PatchMatch fills the hole at full resolution. Then, for each group of hole components, a
crop with context is scaled so its longer side is at most ``max_side`` (the net's
working resolution, as in training), the net (``refine.onnx``, onnxruntime; trained by
``retouch train refine``, see ``models/refine.md``) predicts a correction of the fill
(seams, colour, structure), and the correction, upsampled to full resolution, is added
to the PatchMatch fill inside the hole: the full-resolution detail stays PatchMatch's,
and no thumbnail of the whole photo is ever made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import cv2
import numpy as np

from retouch.core.masks import hole_boxes
from retouch.core.options import Range
from retouch.core.registry import register
from retouch.core.weights import WeightsRecord, register_weights
from retouch.inpaint.base import MAX_SEED
from retouch.inpaint.patchmatch import patchmatch

__all__ = ["WEIGHTS", "PatchMatchRefine", "refine_fill"]

WEIGHTS = "refine"
MULTIPLE = 8  # the net's three stride-2 steps

_record = Path(__file__).parent / "models" / f"{WEIGHTS}.json"
if _record.is_file():
    _rec = WeightsRecord.from_json(
        _record, package="retouch", package_path=f"inpaint/models/{WEIGHTS}.onnx"
    )
else:  # not trained yet: the record says how to make it (a missing file is a clear error)
    _rec = WeightsRecord(
        name=WEIGHTS,
        file=f"{WEIGHTS}.onnx",
        sha256="",
        source="trained by retouch (retouch train refine)",
        command="retouch train refine refine_cpu --out RUN && retouch train export-refine "
        "RUN --out src/retouch/inpaint/models/refine.onnx",
        licence="ours",
        input_size=None,
        normalisation="none",
        package="retouch",
        package_path=f"inpaint/models/{WEIGHTS}.onnx",
    )
register_weights(_rec)


def _residual(session, fill: np.ndarray, hole: np.ndarray, max_side: int) -> np.ndarray:
    """The net's correction for one crop, at the crop's size: h x w x 3 float32 (0-255 units)."""
    h, w = hole.shape
    scale = min(1.0, max_side / max(h, w))
    sh, sw = max(1, round(h * scale)), max(1, round(w * scale))
    small = cv2.resize(fill, (sw, sh), interpolation=cv2.INTER_AREA) if scale < 1 else fill
    m = hole.astype(np.float32)
    small_m = cv2.resize(m, (sw, sh), interpolation=cv2.INTER_AREA) if scale < 1 else m
    ph, pw = (-sh) % MULTIPLE, (-sw) % MULTIPLE
    x = np.concatenate([small.astype(np.float32) / 255, (small_m > 0.5)[..., None]], 2)
    x = np.pad(
        x, ((0, ph), (0, pw), (0, 0)), mode="reflect" if min(sh, sw) > max(ph, pw) else "edge"
    )
    out = session.run(None, {"input": x.transpose(2, 0, 1)[None].astype(np.float32)})[0]
    res = out[0, :, :sh, :sw].transpose(1, 2, 0) * 255
    if scale < 1:
        res = cv2.resize(res, (w, h), interpolation=cv2.INTER_LINEAR)
    return res


def refine_fill(
    session, fill: np.ndarray, mask: np.ndarray, *, max_side: int = 512, strength: float = 1.0
) -> np.ndarray:
    """Add the net's correction to ``fill`` inside ``mask``.

    session: onnxruntime session of ``refine.onnx`` (anything with its ``run``).
    fill: H x W x 3 uint8 RGB, the PatchMatch fill. mask: H x W uint8, 255 = hole.
    max_side: the longest side of each crop the net sees (larger crops are scaled down).
    strength: the fraction of the correction added (0 = PatchMatch's fill).
    Returns H x W x 3 uint8; pixels where mask is 0 are ``fill``'s, byte for byte.
    """
    out = fill.copy()
    for y0, x0, y1, x1 in hole_boxes(mask, context=0.5, min_margin=32):
        hole = mask[y0:y1, x0:x1] > 0
        res = _residual(session, fill[y0:y1, x0:x1], hole, max_side)
        crop = out[y0:y1, x0:x1]
        value = crop[hole].astype(np.float32) + strength * res[hole]
        crop[hole] = np.clip(np.rint(value), 0, 255).astype(np.uint8)
    return out


@register(
    "inpaint",
    "patchmatch-refine",
    "experimental: PatchMatch, then our small U-Net corrects the fill (+0.4-0.7 dB hole "
    "PSNR, but it smooths the grain: perceptual 2-3 % worse than patchmatch)",
    default=False,
    weights=(WEIGHTS,),
)
class PatchMatchRefine:
    """Holds the refinement net's session; calling it fills like :func:`refine_fill`.

    ``method(image, mask, source=None)``: image H x W x 3 uint8 RGB, mask H x W uint8 255 =
    fill -> H x W x 3 uint8, pixels outside the mask unchanged.
    """

    def __init__(
        self,
        *,
        seed: Annotated[int, Range(0, MAX_SEED)] = 0,
        patch_size: Annotated[int, Range(3, 31, odd=True)] = 7,
        max_side: Annotated[int, Range(64, 1024)] = 512,
        strength: Annotated[float, Range(0.0, 2.0)] = 1.0,
    ):
        from retouch.core.onnx import open_session

        self.session, self.record = open_session(WEIGHTS)
        self.seed, self.patch_size, self.max_side = seed, patch_size, max_side
        self.strength = strength

    def __call__(
        self, image: np.ndarray, mask: np.ndarray, *, source: np.ndarray | None = None
    ) -> np.ndarray:
        fill = patchmatch(image, mask, patch_size=self.patch_size, source=source, seed=self.seed)
        out = refine_fill(
            self.session,
            fill,
            mask,
            max_side=self.max_side,
            strength=self.strength,
        )
        out[mask == 0] = image[mask == 0]
        return out
