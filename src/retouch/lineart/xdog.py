"""The eXtended Difference of Gaussians (Winnemoeller, Kyprianidis and Olsen 2012).

On the grey image ``I`` (float32 [0, 1]):

    S = (1 + p) G_sigma(I) - p G_{k sigma}(I)          (sharpened image)
    T = 1                      where S >= epsilon
      = 1 + tanh(phi (S - epsilon))  elsewhere          (soft threshold)

``T`` is the paper (1 = white). With ``epsilon`` just below 0 (the default) flat areas of
any tone stay white and only the dark side of each edge gets ink: outlines. With
``epsilon`` towards 1 dark areas fill with ink as well (the paper's tonal look).
"""

from __future__ import annotations

from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.options import Range
from retouch.core.registry import register

__all__ = ["gray", "ink_to_rgb", "thicken", "xdog", "xdog_ink"]


def gray(image: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 RGB -> H x W float32 luminance in [0, 1]."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0


def xdog_ink(
    luma: np.ndarray,
    *,
    sigma: float = 1.0,
    k: float = 1.6,
    p: float = 20.0,
    epsilon: float = -0.05,
    phi: float = 10.0,
) -> np.ndarray:
    """Ink of the XDoG of ``luma`` (H x W float32 [0, 1]): H x W float32 in [0, 1], 1 = black.

    >>> xdog_ink(np.ones((8, 8), np.float32)).max()  # white paper: no ink  # doctest: +SKIP
    0.0
    """
    g1 = cv2.GaussianBlur(luma, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    g2 = cv2.GaussianBlur(luma, (0, 0), sigma * k, borderType=cv2.BORDER_REPLICATE)
    s = (1.0 + p) * g1 - p * g2
    paper = np.where(s >= epsilon, 1.0, 1.0 + np.tanh(phi * (s - epsilon)))
    return np.clip(1.0 - paper, 0.0, 1.0).astype(np.float32)


def thicken(ink: np.ndarray, thickness: int) -> np.ndarray:
    """``ink`` (H x W float32 [0, 1]) with each line grown to about ``thickness`` px wide
    (grey dilation by a disk); ``thickness <= 1`` returns it unchanged."""
    if thickness <= 1:
        return ink
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (thickness, thickness))
    return cv2.dilate(ink, disk)


def ink_to_rgb(ink: np.ndarray) -> np.ndarray:
    """Ink (H x W float [0, 1], 1 = black) -> black on white, H x W x 3 uint8 RGB."""
    paper = np.round(255.0 * (1.0 - np.clip(ink, 0.0, 1.0))).astype(np.uint8)
    return np.repeat(paper[:, :, None], 3, axis=2)


@register("lineart", "xdog", "eXtended Difference of Gaussians (Winnemoeller et al. 2012)")
def xdog(
    image: np.ndarray,
    *,
    sigma: Annotated[float, Range(0.3, 20)] = 1.0,
    k: Annotated[float, Range(1.01, 10)] = 1.6,
    p: Annotated[float, Range(0, 200)] = 20.0,
    epsilon: Annotated[float, Range(-1, 1)] = -0.05,
    phi: Annotated[float, Range(0.1, 1000)] = 10.0,
    thickness: Annotated[int, Range(1, 15)] = 1,
) -> np.ndarray:
    """XDoG line art of ``image`` (H x W x 3 uint8 RGB): H x W x 3 uint8 RGB, black on white.

    Parameters
    ----------
    sigma: the smaller Gaussian's standard deviation, in pixels (line scale).
    k: ratio of the larger Gaussian's sigma to ``sigma``.
    p: edge sharpening strength (the paper's p; tau = p / (1 + p)).
    epsilon: threshold on the sharpened image; below 0 outlines only, towards 1 dark
        areas fill with ink.
    phi: steepness of the soft threshold (large: hard black lines).
    thickness: line width in pixels (dilation; 1 = as drawn).
    """
    ink = xdog_ink(gray(check_image(image)), sigma=sigma, k=k, p=p, epsilon=epsilon, phi=phi)
    return ink_to_rgb(thicken(ink, thickness))
