"""The learned inpainting methods ``pconv`` and ``maskunet``: our own networks
(``retouch train inpaint``), run with onnxruntime only.

``inpaint.base.erase`` hands each method one crop per group of holes, with context
around it. Here that crop is scaled so its long side is at most ``WORK_SIDE`` and the
hole's thickness at most ``WORK_THICKNESS`` (what the nets saw in training: 128 px
crops with holes of up to 60 %), never a thumbnail of the whole photo; the net fills
it, its colour is matched to the surroundings by a smooth offset (the residual on a
ring of known pixels, spread into the hole), its variation is capped at the ring's
(a flat wall gets a flat fill), and the fill is upsampled. When the crop
was scaled down, the full-resolution result keeps the net's low frequencies and takes
the high frequencies (a detail band) from a PatchMatch fill of the same hole.

Model files: ``retouch/inpaint/models/{pconv,maskunet}.onnx`` with their records, or
the same names in ``$RETOUCH_MODEL_DIR``; a missing one raises MissingModelError.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import cv2
import numpy as np

from retouch.core.onnx import open_session
from retouch.core.options import Range
from retouch.core.registry import register
from retouch.core.weights import WeightsRecord, register_weights
from retouch.inpaint.base import MAX_SEED

__all__ = ["learned_fill", "maskunet", "pconv"]

MODELS = Path(__file__).with_name("models")
NETS = ("pconv", "maskunet")
WORK_SIDE = 512  # longest side the net runs at
WORK_THICKNESS = 48.0  # hole thickness (2 x the deepest distance to its border) at most
MULTIPLE = 64


def _record(name: str) -> WeightsRecord:
    command = (
        f"retouch train inpaint inpaint_{name}_cpu --out RUN && retouch train "
        f"export-inpaint RUN --out src/retouch/inpaint/models/{name}.onnx"
    )
    path = MODELS / f"{name}.json"
    where = {"package": "retouch", "package_path": f"inpaint/models/{name}.onnx"}
    if path.is_file():
        return WeightsRecord.from_json(path, **where)
    return WeightsRecord(name, f"{name}.onnx", "", "not trained yet", command, "", None, "",
                         **where)  # fmt: skip


for _name in NETS:
    register_weights(_record(_name))


@functools.lru_cache(maxsize=len(NETS))
def _session(name: str):
    return open_session(name)[0]


def _thickness(hole: np.ndarray) -> float:
    dist = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    return 2.0 * float(dist.max())


def _spread(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """Normalised Gaussian convolution: ``values`` known where ``weight`` > 0, spread."""
    k = (0, 0)
    num = cv2.GaussianBlur(values * weight[..., None], k, sigma)
    den = cv2.GaussianBlur(weight, k, sigma)[..., None]
    return num / np.maximum(den, 1e-6)


def _run_net(name: str, img: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The net's raw output for ``img`` (H x W x 3 float32 [0, 1]) and ``hole`` (bool):
    padded by reflection to multiples of 64, returned at H x W."""
    h, w = hole.shape
    ph, pw = (-h) % MULTIPLE, (-w) % MULTIPLE
    known = (~hole).astype(np.float32)
    mode = cv2.BORDER_REFLECT_101 if min(h, w) > max(ph, pw) else cv2.BORDER_REPLICATE
    img = cv2.copyMakeBorder(img, 0, ph, 0, pw, mode)
    known = cv2.copyMakeBorder(known, 0, ph, 0, pw, mode)
    x = (img * known[..., None]).transpose(2, 0, 1)[None]
    out = _session(name).run(None, {"image": x, "known": known[None, None]})[0]
    return out[0].transpose(1, 2, 0)[:h, :w]


def _fill_small(name: str, img: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The net's fill of ``img`` (float [0, 1]) at its own size, its colour offset to
    meet the known pixels around the hole; known pixels kept."""
    raw = _run_net(name, img, hole)
    sigma = max(2.0, _thickness(hole) / 2)
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & ~hole
    if ring.any():
        weight = ring.astype(np.float32)
        raw = raw + _spread(img - raw, weight, sigma)
        raw = _cap_variation(raw, img, hole, ring, _spread(img, weight, sigma))
    return np.where(hole[..., None], np.clip(raw, 0, 1), img)


def _cap_variation(raw, img, hole, ring, membrane) -> np.ndarray:
    """Shrink the fill's departure from the ``membrane`` (the ring's colours spread into
    the hole) so it varies no more than the surroundings do around it: a flat wall gets
    a flat fill, textured surroundings keep the net's structure."""
    around = np.std(img[ring] - membrane[ring])
    dev = raw - membrane
    spread = np.std(dev[hole])
    gain = 1.0 if spread <= around else around / max(spread, 1e-6)
    return membrane + gain * dev


def learned_fill(
    name: str, image: np.ndarray, mask: np.ndarray, *, seed: int = 0, detail: float = 1.0
) -> np.ndarray:
    """Fill the 255 pixels of ``mask`` in ``image`` (H x W x 3 uint8 RGB) with net
    ``name``; returns H x W x 3 uint8, unchanged where ``mask`` is 0."""
    hole = mask > 0
    h, w = hole.shape
    scale = min(1.0, WORK_SIDE / max(h, w), WORK_THICKNESS / max(1.0, _thickness(hole)))
    img = image.astype(np.float32) / 255
    if scale >= 1.0:
        fill = _fill_small(name, img, hole)
    else:
        size = (max(8, round(w * scale)), max(8, round(h * scale)))
        small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        low = cv2.resize(
            _fill_small(name, small, small_hole), (w, h), interpolation=cv2.INTER_CUBIC
        )
        fill = low + detail * _detail_band(image, mask, size, seed)
    out = image.copy()
    out[hole] = np.clip(np.rint(fill[hole] * 255), 0, 255).astype(np.uint8)
    return out


def _detail_band(image: np.ndarray, mask: np.ndarray, size: tuple[int, int], seed: int):
    """The high frequencies of a PatchMatch fill: itself minus its round trip through
    the working resolution ``size`` (float, mean about 0)."""
    from retouch.inpaint.patchmatch import patchmatch as pm_fill

    pm = pm_fill(image, mask, seed=seed).astype(np.float32) / 255
    h, w = mask.shape
    round_trip = cv2.resize(cv2.resize(pm, size, interpolation=cv2.INTER_AREA), (w, h),
                            interpolation=cv2.INTER_CUBIC)  # fmt: skip
    return pm - round_trip


@register(
    "inpaint",
    "pconv",
    "experimental: partial-convolution U-Net (Liu et al. 2018) trained by retouch, short "
    "CPU run; loses to patchmatch and mostly to telea on the dev bench",
    weights=("pconv",),
)
def pconv(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: Annotated[int, Range(0, MAX_SEED)] = 0,
    detail: Annotated[float, Range(0, 1)] = 1.0,
) -> np.ndarray:
    """Fill the 255 pixels of ``mask`` with our partial-convolution U-Net.

    image: H x W x 3 uint8 RGB. mask: H x W uint8, 255 = fill. seed: of the PatchMatch
    fill that gives the detail band when the crop is scaled down. detail: how much of
    that band is added (0 = the net's fill alone, upsampled).
    Returns H x W x 3 uint8; pixels where mask is 0 are returned unchanged.
    """
    return learned_fill("pconv", image, mask, seed=seed, detail=detail)


@register(
    "inpaint",
    "maskunet",
    "experimental baseline: encoder-decoder with the mask as a 4th channel, trained by "
    "retouch, short CPU run; loses to patchmatch on the dev bench",
    weights=("maskunet",),
)
def maskunet(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: Annotated[int, Range(0, MAX_SEED)] = 0,
    detail: Annotated[float, Range(0, 1)] = 1.0,
) -> np.ndarray:
    """Fill the 255 pixels of ``mask`` with the baseline mask-channel U-Net; the options
    are ``pconv``'s. Returns H x W x 3 uint8, unchanged where ``mask`` is 0."""
    return learned_fill("maskunet", image, mask, seed=seed, detail=detail)
