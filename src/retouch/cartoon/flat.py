"""Flat colours: edge-preserving smoothing, k-means in CIELAB, flat shading, lines on top."""

from __future__ import annotations

from typing import Annotated

import cv2
import numpy as np

from retouch.core.arrays import check_image
from retouch.core.options import Range
from retouch.core.registry import register

__all__ = ["CartoonFlat", "flatten", "kmeans_lab", "smooth"]

SAMPLE = 20_000  # pixels k-means is fitted on


def smooth(image: np.ndarray, *, passes: int = 2, sigma_color: float = 30.0) -> np.ndarray:
    """``image`` (H x W x 3 uint8 RGB) smoothed within regions, edges kept: ``passes``
    bilateral filters, 9 px windows (cost linear in the pixels). H x W x 3 uint8 RGB."""
    out = image
    for _ in range(passes):
        out = cv2.bilateralFilter(out, 9, sigma_color, 5.0)
    return out


def kmeans_lab(
    lab: np.ndarray, colors: int, rng: np.random.Generator, iterations: int = 12
) -> np.ndarray:
    """``colors`` centres (K x 3 float32) of the CIELAB pixels ``lab`` (N x 3 float32):
    k-means++ seeding from ``rng``, Lloyd iterations, centres sorted by lightness."""
    centres = [lab[rng.integers(len(lab))]]
    for _ in range(1, colors):
        d = np.min(((lab[:, None, :] - np.asarray(centres)[None]) ** 2).sum(-1), axis=1)
        total = d.sum()
        pick = rng.choice(len(lab), p=d / total) if total > 0 else rng.integers(len(lab))
        centres.append(lab[pick])
    c = np.asarray(centres, np.float32)
    for _ in range(iterations):
        labels = ((lab[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        for j in range(colors):
            if np.any(labels == j):
                c[j] = lab[labels == j].mean(0)
    return c[np.argsort(c[:, 0])]


def flatten(image: np.ndarray, *, colors: int = 8, seed: int = 0) -> np.ndarray:
    """``image`` (H x W x 3 uint8 RGB) in at most ``colors`` flat colours: k-means in CIELAB
    (seeded), each pixel its centre's colour, speckles removed (median of the ordered
    labels). H x W x 3 uint8 RGB."""
    h, w = image.shape[:2]
    lab = cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)
    rng = np.random.default_rng(seed)
    sample = lab[rng.choice(len(lab), min(SAMPLE, len(lab)), replace=False)]
    k = min(colors, len(np.unique(sample, axis=0)))
    centres = kmeans_lab(sample, k, rng)
    labels = np.empty(len(lab), np.uint8)
    for start in range(0, len(lab), 1 << 18):  # bounded memory on large photos
        part = lab[start : start + (1 << 18)]
        labels[start : start + len(part)] = ((part[:, None] - centres[None]) ** 2).sum(-1).argmin(1)
    labels = cv2.medianBlur(labels.reshape(h, w), 5 if max(h, w) >= 64 else 3)
    rgb = cv2.cvtColor(centres[None], cv2.COLOR_LAB2RGB)[0]
    palette = np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)
    return palette[labels]


@register(
    "cartoon",
    "flat",
    "bilateral smoothing, K flat colours (k-means in CIELAB), the portrait lines on top",
    default=True,
)
class CartoonFlat:
    """A cartoon of a photo; call with H x W x 3 uint8 RGB, get H x W x 3 uint8 RGB.

    Parameters
    ----------
    colors: the number of flat colours (K of the k-means).
    seed: the k-means seed (same seed, same colours).
    smoothing: bilateral passes before quantisation (0: none).
    lines: draw the portrait line art on top.
    thickness: line width in px (0: as the portrait method chooses).
    keep_background: keep the background's colours and lines (else white paper).
    """

    def __init__(
        self,
        *,
        colors: Annotated[int, Range(2, 32)] = 8,
        seed: Annotated[int, Range(0, 2**31 - 1)] = 0,
        smoothing: Annotated[int, Range(0, 5)] = 2,
        lines: bool = True,
        thickness: Annotated[int, Range(0, 15)] = 0,
        keep_background: bool = True,
    ) -> None:
        from retouch.lineart.portrait import PortraitLines

        self.colors, self.seed, self.smoothing, self.keep = colors, seed, smoothing, keep_background
        self.lines = PortraitLines(thickness=thickness, keep_background=True) if lines else None
        self.person = None if keep_background else _person()

    def __call__(self, image: np.ndarray, *, person: np.ndarray | None = None) -> np.ndarray:
        image = check_image(image)
        base = smooth(image, passes=self.smoothing) if self.smoothing else image
        out = flatten(base, colors=self.colors, seed=self.seed).astype(np.float32)
        if self.lines is not None:
            out *= 1.0 - self.lines.ink(image)[:, :, None]
        if not self.keep:
            mask = person if person is not None else self.person(image)
            if mask.any():
                out[mask < 128] = 255.0
        return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _person():
    from retouch.core.registry import create

    return create("person")
