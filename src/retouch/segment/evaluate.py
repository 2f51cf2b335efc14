"""Scoring segmenters against ground truth: mean IoU, F1, precision, recall, speed.

A data folder holds ``images/K.jpg`` and either ``masks/K.png`` (0/255) or
``labels/K.png`` (a class index per pixel; ``classes`` picks the positive ones,
e.g. skin and nose of a face-parsing set). Every metric is computed per image
and averaged over images, so a small face counts as much as a large one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from retouch.core.errors import InputError
from retouch.core.io import read_image, read_mask
from retouch.core.registry import create

__all__ = ["EvalResult", "ImageScore", "dataset", "evaluate", "score_masks"]


@dataclass(frozen=True)
class ImageScore:
    name: str
    iou: float
    f1: float
    precision: float
    recall: float
    seconds: float


@dataclass
class EvalResult:
    """Per-image scores of one method on one data folder, and their means."""

    task: str
    method: str
    options: dict
    data: str
    images: list[ImageScore] = field(default_factory=list)

    def mean(self, key: str) -> float:
        return float(np.mean([getattr(s, key) for s in self.images])) if self.images else 0.0

    def worst(self, n: int = 5) -> list[ImageScore]:
        return sorted(self.images, key=lambda s: s.iou)[:n]

    def summary(self) -> dict:
        keys = ("iou", "f1", "precision", "recall", "seconds")
        return {
            "task": self.task,
            "method": self.method,
            "options": self.options,
            "data": self.data,
            "count": len(self.images),
            **{f"mean_{k}": round(self.mean(k), 4) for k in keys},
            "worst": [(s.name, round(s.iou, 4)) for s in self.worst()],
        }

    def to_dict(self) -> dict:
        return {**self.summary(), "per_image": [asdict(s) for s in self.images]}


def score_masks(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float, float]:
    """(IoU, F1, precision, recall) of two H x W masks (nonzero = positive).

    Empty-vs-empty scores 1 everywhere; an empty prediction of a non-empty truth has
    precision 0 (nothing right was found).
    """
    p, t = pred > 0, truth > 0
    tp = float(np.count_nonzero(p & t))
    fp = float(np.count_nonzero(p & ~t))
    fn = float(np.count_nonzero(~p & t))
    if tp + fp + fn == 0:
        return 1.0, 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return tp / (tp + fp + fn), 2 * tp / (2 * tp + fp + fn), precision, recall


def dataset(data: Path, classes: Iterable[int] = (2, 4)) -> list[tuple[str, Path, Callable]]:
    """(name, image path, truth loader) for each image of ``data`` with ground truth."""
    data = Path(data)
    images = data / "images"
    truth_dir = next((data / d for d in ("masks", "labels") if (data / d).is_dir()), None)
    if not images.is_dir() or truth_dir is None:
        raise InputError(f"{data}: expected images/ and masks/ (or labels/) inside")
    by_stem = {p.stem: p for p in truth_dir.iterdir() if p.is_file()}
    wanted = np.array(sorted(set(classes)), np.uint8)

    def loader(path: Path) -> Callable[[], np.ndarray]:
        if truth_dir.name == "masks":
            return lambda: read_mask(path)
        return lambda: np.isin(_read_labels(path), wanted).astype(np.uint8) * 255

    items = [
        (p.stem, p, loader(by_stem[p.stem])) for p in sorted(images.iterdir()) if p.stem in by_stem
    ]
    if not items:
        raise InputError(f"{data}: no image in images/ has ground truth of the same name")
    return items


def _read_labels(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img)


def evaluate(
    task: str,
    method: str | None,
    data: Path,
    *,
    options: dict | None = None,
    classes: Iterable[int] = (2, 4),
    limit: int | None = None,
    every: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Run ``method`` of ``task`` on every image of ``data`` and score it
    (``limit``: the first N images only; ``every``: every N-th of those).

    The first image is run once untimed, so model loading is not counted in speed.
    """
    segment = create(task, method, **(options or {}))
    items = dataset(data, classes)[:limit][::every]
    result = EvalResult(task, segment.name, options or {}, str(data))
    for i, (name, path, truth) in enumerate(items):
        image = read_image(path)
        if i == 0:
            segment(image)
        start = time.perf_counter()
        pred = segment(image)
        seconds = time.perf_counter() - start
        gt = truth()
        if gt.shape != pred.shape:
            raise InputError(f"{name}: ground truth is {gt.shape[::-1]}, image {pred.shape[::-1]}")
        result.images.append(ImageScore(name, *score_masks(pred, gt), seconds))
        if progress:
            progress(i + 1, len(items))
    return result
