"""Tiny synthetic inputs for the tattoo tests: a flat skin-coloured patch with ink on it."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.core.io import write_image, write_mask

SKIN = (205, 150, 125)
FAST = {"skin": "hsv", "faces": False}  # a colour rule and no face mesh: milliseconds


def skin_patch(h: int = 64, w: int = 64, *, noise: float = 3.0, seed: int = 0) -> np.ndarray:
    """H x W x 3 uint8: skin colour with a little grain and a soft lighting gradient."""
    rng = np.random.default_rng(seed)
    light = np.linspace(0.95, 1.05, w, dtype=np.float32)[None, :, None]
    img = np.array(SKIN, np.float32) * light + rng.normal(0, noise, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def with_line(image: np.ndarray, *, row: int = 30, width: int = 3, colour=(45, 40, 50)):
    """``image`` with a horizontal ink line, and the line's mask (H x W bool)."""
    out = image.copy()
    line = np.zeros(image.shape[:2], bool)
    line[row : row + width, 8:-8] = True
    out[line] = colour
    return out, line


@pytest.fixture
def inked():
    return with_line(skin_patch())


def photo_and_skin(h: int = 96, w: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """A skin patch with a blue background strip on its left, and its skin mask (0/255)."""
    photo = skin_patch(h, w, seed=5)
    photo[:, : w // 4] = (60, 90, 140)
    skin = np.zeros((h, w), np.uint8)
    skin[:, w // 4 :] = 255
    return photo, skin


@pytest.fixture
def skin_folder(tmp_path):
    photo, skin = photo_and_skin(120, 100)
    for sub in ("images", "masks"):
        (tmp_path / "skin" / sub).mkdir(parents=True)
    for k in range(3):
        write_image(tmp_path / "skin" / "images" / f"p{k}.jpg", np.roll(photo, 7 * k, axis=0))
        write_mask(tmp_path / "skin" / "masks" / f"p{k}.png", skin)
    return tmp_path / "skin"
