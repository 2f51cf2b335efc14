"""Mask utilities: resizing, dilation and the boxes around holes.

Masks are ``H x W`` uint8 with 255 = "act here" (STYLE.md).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["Box", "dilate", "erode", "hole_boxes", "resize_mask"]

Box = tuple[int, int, int, int]  # y0, x0, y1, x1 (end exclusive)


def resize_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize an H x W 0/255 mask to ``shape = (H', W')``, keeping it binary.

    >>> resize_mask(np.full((2, 2), 255, np.uint8), (4, 4)).sum() // 255
    16
    """
    h, w = shape
    if mask.shape == (h, w):
        return mask
    resized = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.where(resized >= 128, 255, 0).astype(np.uint8)


def touching(candidates: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """H x W bool: the 8-connected pieces of ``candidates`` (bool H x W) that hold a pixel
    of ``seeds`` (bool H x W) inside them.

    >>> seeds = np.zeros((1, 7), bool); seeds[0, 1] = True
    >>> touching(np.array([[0, 1, 1, 0, 0, 1, 1]], bool), seeds).astype(int).tolist()
    [[0, 1, 1, 0, 0, 0, 0]]
    """
    count, labels = cv2.connectedComponents(candidates.astype(np.uint8), connectivity=8)
    hit = np.zeros(count, bool)
    hit[np.unique(labels[seeds & candidates])] = True
    hit[0] = False
    return hit[labels]


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Grow a 0/255 mask by ``radius`` pixels with a disk; ``radius <= 0`` returns it unchanged."""
    if radius <= 0:
        return mask
    return cv2.dilate(mask, _disk(radius))


def erode(mask: np.ndarray, radius: int) -> np.ndarray:
    """Shrink a 0/255 mask by ``radius`` pixels with a disk."""
    if radius <= 0:
        return mask
    return cv2.erode(mask, _disk(radius), borderType=cv2.BORDER_REPLICATE)


def hole_boxes(
    mask: np.ndarray,
    *,
    context: float = 1.0,
    min_margin: int = 32,
    reach: float = 0.0,
    min_reach: int = 256,
) -> list[Box]:
    """Boxes around the connected holes of ``mask``, grown by context, overlaps merged.

    Each hole's bounding box grows on every side by ``max(min_margin, context *
    longest side)`` (clipped to the image); with ``reach > 0`` the context part is at
    most ``max(min_reach, reach * thickness)``, the thickness being twice the largest
    distance from a hole pixel to the hole's edge, so a long thin stroke (a wire across
    a 24 MP photo) is not given the whole photo as context. Boxes that overlap are
    merged until none do, so every hole lies wholly inside exactly one box.

    >>> m = np.zeros((100, 100), np.uint8); m[10:20, 10:20] = 255
    >>> hole_boxes(m, context=0.5, min_margin=5)
    [(5, 5, 25, 25)]
    """
    h, w = mask.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats((mask > 0).astype(np.uint8), 8)
    boxes: list[Box] = []
    for i, (x, y, bw, bh, _area) in enumerate(stats[1:count], 1):
        grow = context * max(bw, bh)
        if reach > 0 and grow > min_reach:
            grow = min(
                grow, max(min_reach, reach * _thickness(labels[y : y + bh, x : x + bw] == i))
            )
        m = max(min_margin, round(grow))
        boxes.append((max(0, y - m), max(0, x - m), min(h, y + bh + m), min(w, x + bw + m)))
    return merge_boxes(boxes)


def _thickness(hole: np.ndarray) -> float:
    """Twice the largest distance from a pixel of ``hole`` (bool) to its edge."""
    inside = np.pad(hole, 1).astype(np.uint8)
    return 2.0 * float(cv2.distanceTransform(inside, cv2.DIST_L2, 5).max())


def merge_boxes(boxes: list[Box]) -> list[Box]:
    """Merge overlapping boxes until no two overlap; sorted top-left first."""
    boxes = list(boxes)
    merged = True
    while merged:
        merged = False
        out: list[Box] = []
        for box in boxes:
            for i, other in enumerate(out):
                if (
                    box[0] < other[2]
                    and other[0] < box[2]
                    and box[1] < other[3]
                    and other[1] < box[3]
                ):
                    out[i] = (
                        min(box[0], other[0]),
                        min(box[1], other[1]),
                        max(box[2], other[2]),
                        max(box[3], other[3]),
                    )
                    merged = True
                    break
            else:
                out.append(box)
        boxes = out
    return sorted(boxes)
