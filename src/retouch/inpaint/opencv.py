"""OpenCV's diffusion inpainting (Telea 2004, Navier-Stokes 2001) as baselines."""

from __future__ import annotations

from typing import Annotated

import cv2
import numpy as np

from retouch.core.io import from_bgr, to_bgr
from retouch.core.options import Range
from retouch.core.registry import register

__all__ = ["navier_stokes", "telea"]


@register("inpaint", "telea", "OpenCV fast-marching diffusion (Telea 2004): smooth, blurry fill")
def telea(
    image: np.ndarray, mask: np.ndarray, *, radius: Annotated[int, Range(1, 100)] = 5
) -> np.ndarray:
    """Diffuse colours from the hole border inward. image H x W x 3 uint8, mask H x W 0/255."""
    return from_bgr(cv2.inpaint(to_bgr(image), mask, radius, cv2.INPAINT_TELEA))


@register("inpaint", "ns", "OpenCV Navier-Stokes diffusion (Bertalmio 2001): smooth, blurry fill")
def navier_stokes(
    image: np.ndarray, mask: np.ndarray, *, radius: Annotated[int, Range(1, 100)] = 5
) -> np.ndarray:
    """Propagate isophotes into the hole. image H x W x 3 uint8, mask H x W 0/255."""
    return from_bgr(cv2.inpaint(to_bgr(image), mask, radius, cv2.INPAINT_NS))
