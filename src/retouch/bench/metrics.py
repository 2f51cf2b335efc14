"""Image quality numbers: PSNR and SSIM, over the whole image or inside a mask, and
two figures of a fill's border and texture: the seam score and the grain ratio.

Inputs are H x W x 3 uint8 RGB; masks are H x W (nonzero = inside).
"""

from __future__ import annotations

import os
import threading
import time
import tracemalloc

import cv2
import numpy as np

__all__ = [
    "PeakMemory",
    "border_band",
    "grain_ratio",
    "grain_regions",
    "high_frequency",
    "psnr",
    "seam_score",
    "ssim",
]


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio in dB (255 peak); inside ``mask`` if given.

    >>> psnr(np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 255, np.uint8))
    0.0
    """
    diff = a.astype(np.float64) - b.astype(np.float64)
    if mask is not None:
        diff = diff[mask > 0]
    mse = float(np.mean(diff**2)) if diff.size else 0.0
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Structural similarity (Wang et al. 2004; 11x11 Gaussian, sigma 1.5) on the luma.

    The SSIM map is averaged over the whole image, or over ``mask`` if given.
    """
    x = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float64)
    y = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    smap = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(smap[mask > 0].mean() if mask is not None else smap.mean())


def _luma(image: np.ndarray, name: str) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"{name} must be an H x W x 3 uint8 RGB image, got {image.shape} {image.dtype}"
        )
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _check_pair(result: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mask as bool, after checking that the three arrays match."""
    if result.shape != truth.shape:
        raise ValueError(f"result {result.shape} and truth {truth.shape} must have one shape")
    if mask.shape != truth.shape[:2]:
        raise ValueError(
            f"mask {mask.shape} must be H x W of the image {truth.shape[:2]}; "
            "resize it with retouch.core.masks.resize_mask"
        )
    return mask > 0


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def border_band(mask: np.ndarray, width: int = 2) -> np.ndarray:
    """H x W bool: the pixels at most ``width`` px from the hole's border, on both sides.

    ``mask``: H x W, nonzero = hole. Inside: hole pixels that an erosion by a disc of
    radius ``width`` removes; outside: non-hole pixels that a dilation adds. A straight
    border gives ``width`` columns on each side.
    """
    hole = (mask > 0).astype(np.uint8)
    grown = cv2.dilate(hole, _disk(width), borderType=cv2.BORDER_REPLICATE)
    shrunk = cv2.erode(hole, _disk(width), borderType=cv2.BORDER_REPLICATE)
    return (grown > 0) & (shrunk == 0)


def seam_score(
    result: np.ndarray,
    truth: np.ndarray,
    mask: np.ndarray,
    *,
    width: int = 3,
    sigma: float = 1.5,
) -> float:
    """How much the result's brightness jump across the hole's border differs from the
    real photo's at the same pixels, in grey levels; 0 = as the truth, higher = a seam.

    Parameters
    ----------
    result, truth : H x W x 3 uint8 RGB, the fill and the clean photo.
    mask : H x W, nonzero = hole.
    width : the band is the pixels at most ``width`` px from the border on each side
        (:func:`border_band`), wide enough to hold a seam feathered over 1-2 px.
    sigma : the luma is blurred at ``sigma`` px first (0 = not), so that the score sees
        steps of brightness and colour at the scale a seam is seen, not fine grain (the
        job of :func:`grain_ratio`).

    Returns
    -------
    float >= 0 (0 to about 255; NaN for an empty mask or one that covers everything):
    ``2 * width * mean over the band of | |dL_r/dn| - |dL_t/dn| |``, where L is the
    blurred luma (0-255), d/dn the Sobel gradient (grey levels per px) along the
    border's normal n (the gradient of the mask blurred at 1.5 px). The factor
    ``2 * width`` makes a step of J grey levels across a straight border score J with
    ``sigma=0`` and about 0.94 J with the default blur; thin or ragged holes, whose band
    is narrower, score less for the same step.

    An absolute difference per pixel, not a difference of means: a fill blurred across
    the border (less contrast than the truth) is not rewarded with a score below the
    truth's; it loses the edges and texture that cross the border and scores above 0,
    as a seam does. Magnitudes, not signed gradients, so a plausible texture that is
    not the truth pixel for pixel costs less than a seam; it still costs something, so
    compare methods on the same image and mask pairs.

    >>> flat = np.full((8, 8, 3), 100, np.uint8); hole = np.zeros((8, 8), np.uint8)
    >>> hole[:, 4:] = 255; brighter = flat.copy(); brighter[:, 4:] = 130
    >>> round(seam_score(brighter, flat, hole, width=2, sigma=0), 3)
    30.0
    """
    inside = _check_pair(result, truth, mask)
    band = border_band(mask, width)
    if not band.any() or inside.all():
        return float("nan")
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 1.5)
    nx, ny = cv2.Sobel(soft, cv2.CV_32F, 1, 0), cv2.Sobel(soft, cv2.CV_32F, 0, 1)
    norm = np.maximum(np.hypot(nx, ny), 1e-6)
    nx, ny = nx / norm, ny / norm

    def across(image: np.ndarray, name: str) -> np.ndarray:
        luma = _luma(image, name)
        if sigma > 0:
            luma = cv2.GaussianBlur(luma, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
        gx = cv2.Sobel(luma, cv2.CV_32F, 1, 0, ksize=3, scale=1 / 8)
        gy = cv2.Sobel(luma, cv2.CV_32F, 0, 1, ksize=3, scale=1 / 8)
        return np.abs(gx * nx + gy * ny)[band]

    jump = np.abs(across(result, "result") - across(truth, "truth"))
    return float(2 * width * jump.mean())


def high_frequency(image: np.ndarray, *, sigma: float = 1.0) -> np.ndarray:
    """H x W float32: the luma (0-255) minus its Gaussian blur at ``sigma`` px."""
    luma = _luma(image, "image")
    return luma - cv2.GaussianBlur(luma, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def grain_regions(mask: np.ndarray, *, margin: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(inner, ring), H x W bool: the hole eroded by ``margin`` px, and the pixels
    outside the hole more than ``margin`` px from it, nearest first, up to the inner
    area (fewer where the image ends). The margins keep the blur of
    :func:`high_frequency` from mixing the fill with its surroundings."""
    hole = (mask > 0).astype(np.uint8)
    inner = cv2.erode(hole, _disk(margin), borderType=cv2.BORDER_REPLICATE) > 0
    distance = cv2.distanceTransform(1 - hole, cv2.DIST_L2, 5)
    candidates = distance > margin
    n = int(np.count_nonzero(inner))
    if n == 0 or not candidates.any():
        return inner, np.zeros_like(inner)
    far = np.sort(distance[candidates])
    return inner, candidates & (distance <= far[min(n, far.size) - 1])


def grain_ratio(
    result: np.ndarray, mask: np.ndarray, *, sigma: float = 1.0, margin: int = 3
) -> float:
    """High-frequency energy inside the hole over the same in a ring around it; 1 = same.

    Parameters
    ----------
    result : H x W x 3 uint8 RGB, the filled image (the truth is not needed).
    mask : H x W, nonzero = hole.
    sigma : the Gaussian of :func:`high_frequency`; 1 px keeps grain and sensor noise.
    margin : px left out on both sides of the border (see :func:`grain_regions`).

    Returns
    -------
    float >= 0: ``mean(hf**2 over inner) / mean(hf**2 over ring)``, hf the luma minus its
    blur. About 0 for a flat or smeared fill, above 1 for a noisier one. NaN where the
    hole has nothing left after the erosion or the image has no ring; where the ring
    is perfectly flat, 1 if the fill is too, else inf.

    >>> rng = np.random.default_rng(0); hole = np.zeros((64, 64), np.uint8)
    >>> hole[16:48, 16:48] = 255
    >>> noise = np.clip(rng.normal(128, 10, (64, 64, 1)), 0, 255).astype(np.uint8)
    >>> flat = noise.copy(); flat[16:48, 16:48] = 128
    >>> grain_ratio(np.repeat(flat, 3, 2), hole) < 0.05
    True
    """
    if mask.shape != result.shape[:2]:
        raise ValueError(f"mask {mask.shape} must be H x W of the image {result.shape[:2]}")
    inner, ring = grain_regions(mask, margin=margin)
    if not inner.any() or not ring.any():
        return float("nan")
    energy = high_frequency(result, sigma=sigma) ** 2
    inside, around = float(energy[inner].mean()), float(energy[ring].mean())
    if around == 0:
        return 1.0 if inside == 0 else float("inf")
    return inside / around


class PeakMemory:
    """Context manager: peak memory (MB) the block needed on top of what was in use.

    Two views, the larger wins: tracemalloc's peak of Python and numpy allocations,
    and a thread sampling this process's RSS every 2 ms (which also sees OpenCV and
    numba buffers, but not memory the allocator reuses from earlier frees).
    """

    def __init__(self, interval: float = 0.002):
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, self.rss_mb())
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self._tracing = not tracemalloc.is_tracing()
        if self._tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        self._traced0 = tracemalloc.get_traced_memory()[0]
        self._start = self._peak = self.rss_mb()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self.rss_mb())
        traced = (tracemalloc.get_traced_memory()[1] - self._traced0) / 2**20
        if self._tracing:
            tracemalloc.stop()
        self.peak_mb = max(self._peak - self._start, traced)
