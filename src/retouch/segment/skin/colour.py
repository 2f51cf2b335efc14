"""A photo's own skin colour, fitted on face patches: chroma Gaussians with a luma floor.

Colour is modelled in YCrCb: chroma (Cr, Cb) carries skin tone across lighting,
luma (Y) only rules out pixels much darker than the face (dark clothes, hair).
Greyscale photos carry no chroma, so there the model falls back to luma alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["SkinColour", "colour_similarity", "fit_skin_colour", "is_greyscale"]

_MIN_SAMPLES = 30


@dataclass(frozen=True)
class SkinColour:
    """One face's skin: Cr/Cb mean (2,) and covariance (2 x 2), median luma and its spread."""

    chroma_mean: np.ndarray
    chroma_cov: np.ndarray
    luma: float
    luma_sd: float


def is_greyscale(image: np.ndarray) -> bool:
    """True when the RGB image has (almost) no colour: a black-and-white photo."""
    small = image[:: max(1, image.shape[0] // 128), :: max(1, image.shape[1] // 128)]
    spread = small.max(axis=2).astype(np.int16) - small.min(axis=2)
    return float(np.mean(spread)) < 4.0


def fit_skin_colour(pixels: np.ndarray) -> SkinColour | None:
    """The skin colour of N x 3 uint8 RGB ``pixels`` sampled on a face's cheeks and forehead.

    Pixels outside the 10th-95th luma percentiles (shadows, highlights, stray hair)
    are ignored. Returns None when fewer than 30 pixels remain.
    """
    if len(pixels) < _MIN_SAMPLES:
        return None
    ycc = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2YCrCb)[:, 0].astype(np.float32)
    lo, hi = np.percentile(ycc[:, 0], [10, 95])
    ycc = ycc[(ycc[:, 0] >= lo) & (ycc[:, 0] <= hi)]
    if len(ycc) < _MIN_SAMPLES:
        return None
    chroma = ycc[:, 1:]
    cov = np.cov(chroma, rowvar=False) + np.eye(2) * 4.0
    return SkinColour(
        np.median(chroma, axis=0).astype(np.float32),
        cov.astype(np.float32),
        float(np.median(ycc[:, 0])),
        float(np.std(ycc[:, 0])),
    )


def _chroma_lookup(models: list[SkinColour], spread: float) -> np.ndarray:
    """256 x 256 table (Cr, Cb) -> similarity in [0, 1] to the nearest face's chroma."""
    cr, cb = np.meshgrid(
        np.arange(256, dtype=np.float32), np.arange(256, dtype=np.float32), indexing="ij"
    )
    grid = np.stack([cr.ravel(), cb.ravel()], axis=1)
    best = np.zeros(len(grid), np.float32)
    for m in models:
        d = grid - m.chroma_mean
        m2 = np.einsum("ni,ij,nj->n", d, np.linalg.inv(m.chroma_cov), d)
        np.maximum(best, np.exp(-0.5 * m2 / spread**2), out=best)
    return best.reshape(256, 256)


def colour_similarity(
    image: np.ndarray, models: list[SkinColour], *, spread: float = 2.5
) -> np.ndarray:
    """H x W float32 in [0, 1]: how close each pixel is to the skin colour of some face.

    ``spread`` widens each model (in standard deviations) so the same skin in shade
    or on arms and legs still matches. Pixels darker than 40% of the darkest face's
    luma fade out. In greyscale photos luma alone is compared, with a tolerance
    0.4 times as wide (luma separates skin from clothes far less than chroma).
    """
    ycc = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    if is_greyscale(image):
        levels = np.arange(256, dtype=np.float32)
        lut = np.zeros(256, np.float32)
        for m in models:
            z = (levels - m.luma) / (0.4 * spread * max(m.luma_sd, 6.0))
            np.maximum(lut, np.exp(-0.5 * z * z), out=lut)
        return lut[ycc[..., 0]]
    own = _chroma_lookup(models, spread)[ycc[..., 1], ycc[..., 2]]
    floor = 0.4 * min(m.luma for m in models)
    fade = np.clip((np.arange(256, dtype=np.float32) - floor) / max(floor * 0.5, 1.0), 0, 1)
    return own * fade[ycc[..., 0]]
