"""Contact sheets: grids of labelled images saved as one PNG to look at."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["contact_sheet", "show_hole"]


def show_hole(image: np.ndarray, mask: np.ndarray, colour=(255, 0, 255)) -> np.ndarray:
    """The image with the masked pixels painted in ``colour`` (H x W x 3 uint8)."""
    out = image.copy()
    out[mask > 0] = colour
    return out


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    """The tile under a 22 px white bar holding ``text``, smaller where it would not fit."""
    bar = np.full((22, tile.shape[1], 3), 255, np.uint8)
    width = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)[0][0]
    scale = max(0.3, min(0.5, 0.5 * (tile.shape[1] - 8) / max(width, 1)))
    cv2.putText(bar, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([bar, tile], 0)


def contact_sheet(
    rows: list[list[tuple[str, np.ndarray]]], *, tile_height: int = 256, gap: int = 4
) -> np.ndarray:
    """Lay out rows of (label, H x W x 3 uint8 image) tiles, each scaled to ``tile_height``."""
    lines = []
    for row in rows:
        tiles = []
        for text, img in row:
            w = max(1, round(img.shape[1] * tile_height / img.shape[0]))
            tile = cv2.resize(img, (w, tile_height), interpolation=cv2.INTER_AREA)
            tiles.append(_label(tile, text))
            tiles.append(np.full((tile_height + 22, gap, 3), 255, np.uint8))
        lines.append(np.concatenate(tiles[:-1], 1))
    width = max(line.shape[1] for line in lines)
    padded = [
        np.pad(line, ((0, gap), (0, width - line.shape[1]), (0, 0)), constant_values=255)
        for line in lines
    ]
    return np.concatenate(padded, 0)
