"""The line-art bench's stray-ink measure, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.bench.lineart import stray_ink


def test_stray_ink_counts_only_ink_farther_than_far_from_the_person():
    drawing = np.full((20, 40, 3), 255, np.uint8)
    person = np.zeros((20, 40), np.uint8)
    person[:, :10] = 255
    drawing[5, 12] = 0  # 3 px outside: near
    drawing[5, 30] = 0  # 21 px outside: stray
    drawing[5, 2:4] = 0  # inside
    assert stray_ink(drawing, person, far=5) == pytest.approx(0.25)
    assert stray_ink(np.full_like(drawing, 255), person) == 0.0
    assert stray_ink(drawing, np.zeros_like(person)) is None
