"""Tiny synthetic scenes for the remove-people tests, and a stand-in for the person models.

``scene()`` draws people as dark upright figures (a head, a body, two legs) on a textured
floor; ``fake_people`` replaces ``find_people`` (the networks) with the figures' true
labels, so the choice, growth and fill are tested in milliseconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from retouch.people import method
from retouch.people.find import People, Seed

FAST = {"fill": "telea", "walkers": False}  # a diffusion fill: no JIT, milliseconds


def figure(labels: np.ndarray, label: int, x: int, top: int, tall: int) -> None:
    """Draw person ``label`` into ``labels`` (in place): head, body and legs, ``tall`` px."""
    s = max(2, tall // 8)
    labels[top : top + 2 * s, x - s : x + s] = label  # head
    labels[top + 2 * s : top + 5 * s, x - 2 * s : x + 2 * s] = label  # body
    labels[top + 5 * s : top + tall, x - s - 1 : x - s + 1] = label  # legs
    labels[top + 5 * s : top + tall, x + s - 1 : x + s + 1] = label


def scene(h: int = 64, w: int = 96, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(image H x W x 3 uint8, labels H x W int32): a grey floor with fine grain and two
    dark figures, the larger (label 1) on the left."""
    rng = np.random.default_rng(seed)
    image = np.clip(rng.normal(170, 3, (h, w, 3)), 0, 255).astype(np.uint8)
    labels = np.zeros((h, w), np.int32)
    figure(labels, 1, 24, 8, 48)
    figure(labels, 2, 70, 20, 32)
    image[labels == 1] = (40, 50, 120)
    image[labels == 2] = (120, 40, 40)
    return image, labels


@pytest.fixture
def fake_people(monkeypatch):
    """``find_people`` answers the true labels of ``scene()`` (set ``.labels`` to change)."""

    class Fake:
        labels = scene()[1]
        calls = 0

    def find(image, model, **kwargs):
        Fake.calls += 1
        labels = Fake.labels
        seeds = [Seed(24, 10, 56, 6), Seed(70, 22, 52, 4)]
        return People(labels.copy(), (labels > 0).astype(np.float32), seeds)

    monkeypatch.setattr(method, "find_people", find)
    return Fake
