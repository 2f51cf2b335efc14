"""Image quality numbers: PSNR and SSIM, over the whole image or inside a mask.

Inputs are H x W x 3 uint8 RGB; masks are H x W (nonzero = inside).
"""

from __future__ import annotations

import os
import threading
import time
import tracemalloc

import cv2
import numpy as np

__all__ = ["PeakMemory", "psnr", "ssim"]


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
