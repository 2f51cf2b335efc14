"""The array contract at every public boundary (see STYLE.md).

Images are ``H x W x 3`` ``uint8`` RGB; masks are ``H x W`` ``uint8`` with 255
meaning "act here" and 0 elsewhere. Inside, work happens in ``float32`` [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np

from retouch.core.errors import InputError

__all__ = ["as_float", "as_uint8", "check_image", "check_mask", "fit_long_side"]


def check_image(image: np.ndarray, *, name: str = "image") -> np.ndarray:
    """Return ``image`` if it is an ``H x W x 3`` uint8 RGB array, else raise.

    >>> check_image(np.zeros((4, 5, 3), np.uint8)).shape
    (4, 5, 3)
    """
    if not isinstance(image, np.ndarray):
        raise InputError(f"{name} must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise InputError(
            f"{name} must have shape H x W x 3 (RGB), got {image.shape}; "
            "use retouch.core.io.to_rgb() to convert grayscale or RGBA arrays"
        )
    if image.dtype != np.uint8:
        raise InputError(
            f"{name} must be uint8 in [0, 255], got {image.dtype}; "
            "use retouch.core.arrays.as_uint8() for float images in [0, 1]"
        )
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise InputError(f"{name} is empty: shape {image.shape}")
    return image


def check_mask(
    mask: np.ndarray, shape: tuple[int, int] | None = None, *, name: str = "mask"
) -> np.ndarray:
    """Return ``mask`` as an ``H x W`` uint8 array of 0 and 255, or raise.

    Accepts bool arrays, ``H x W x 1`` arrays and uint8 arrays with any values
    (values >= 128 count as "act here"). ``shape`` is the image's ``(H, W)``.

    >>> check_mask(np.array([[True, False]])).tolist()
    [[255, 0]]
    """
    if not isinstance(mask, np.ndarray):
        raise InputError(f"{name} must be a numpy array, got {type(mask).__name__}")
    if mask.ndim == 3 and mask.shape[2] == 1:
        mask = mask[:, :, 0]
    if mask.ndim != 2:
        raise InputError(
            f"{name} must have shape H x W, got {mask.shape}; "
            "use retouch.core.io.mask_from_array() for RGB or RGBA masks"
        )
    if shape is not None and mask.shape != tuple(shape):
        raise InputError(
            f"{name} is {mask.shape[1]}x{mask.shape[0]} but the image is {shape[1]}x{shape[0]}; "
            "resize it to the image (retouch.core.masks.resize_mask, or --resize-mask on the CLI)"
        )
    if mask.dtype == bool:
        return np.where(mask, 255, 0).astype(np.uint8)
    if mask.dtype != np.uint8:
        raise InputError(f"{name} must be uint8 or bool, got {mask.dtype}")
    if np.all((mask == 0) | (mask == 255)):
        return mask
    return np.where(mask >= 128, 255, 0).astype(np.uint8)


def as_float(image: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] -> float32 [0, 1]."""
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def as_uint8(image: np.ndarray) -> np.ndarray:
    """float [0, 1] -> uint8 [0, 255], rounded and clipped."""
    return np.clip(np.rint(np.asarray(image, np.float32) * 255.0), 0, 255).astype(np.uint8)


def fit_long_side(image: np.ndarray, long_side: int) -> np.ndarray:
    """``image`` (H x W or H x W x C) resized so its longer side is ``long_side``, aspect
    kept; area filter when shrinking, bilinear when enlarging.

    >>> fit_long_side(np.zeros((40, 20, 3), np.uint8), 10).shape
    (10, 5, 3)
    """
    h, w = image.shape[:2]
    f = long_side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
