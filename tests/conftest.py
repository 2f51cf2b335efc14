"""Shared fixtures. Real-photo tests need ../shared/data beside the checkout; without it
they skip with a printed reason (pytest -ra shows it). CI always has it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "README.md").is_file():
        pytest.skip(
            f"real-photo data not found at {SHARED_DATA} (only present beside CI checkouts)"
        )
    return SHARED_DATA


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def stripes(h: int = 64, w: int = 64, period: int = 8) -> np.ndarray:
    """Vertical red/blue stripes: a texture diffusion cannot continue but patches can."""
    img = np.zeros((h, w, 3), np.uint8)
    on = (np.arange(w) // (period // 2)) % 2 == 0
    img[:, on] = (220, 40, 40)
    img[:, ~on] = (30, 60, 200)
    return img


def square_mask(
    h: int = 64, w: int = 64, y0: int = 24, y1: int = 40, x0: int = 24, x1: int = 40
) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    mask[y0:y1, x0:x1] = 255
    return mask
