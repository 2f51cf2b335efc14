"""Image-to-image pairs: the recipe of a ``retouch train pairs`` run, the pair folders
(an input and a target image with the same file stem), and the paired training views.

A pairs recipe is a YAML mapping of ``PairsRecipe`` fields; every field has a default,
so a run needs none. ``sizes`` is the progressive-resizing schedule: the ``epochs`` are
shared out over the crop sizes in order (first the small ones). Augmentation draws
one crop (side ``size / zoom``, ``zoom`` uniform in ``scale``, resized to ``size``)
and the flips once per view and applies them to input and target alike.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from retouch.core.errors import InputError
from retouch.core.io import read_image
from retouch.train.config import read_recipe_file
from retouch.train.data import IMAGE_SUFFIXES
from retouch.train.generator import GeneratorConfig

__all__ = [
    "PairsRecipe",
    "epoch_size",
    "find_pairs",
    "load_pairs_recipe",
    "pair_fingerprint",
    "paired_view",
    "read_pairs",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairsRecipe:
    name: str = "pairs"
    inputs: str = ""  # folder of input images
    targets: str = ""  # folder of target images, the same file stems
    generator: dict[str, Any] = field(default_factory=lambda: {"width": 32, "depth": 4})
    sizes: tuple[int, ...] = (128, 192, 256)  # crop sides, progressive
    epochs: int = 30
    batch: int = 8
    steps_per_epoch: int = 0  # 0: the whole training split each epoch
    max_side: int = 512  # shorter side the pairs are shrunk to when read (0: keep)
    selection_fraction: float = 0.1  # held out (by name hash) to pick the best epoch
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 20
    pixel_weight: float = 1.0
    feature_weight: float = 0.1  # L1 on EfficientNet-Lite0 ImageNet features
    gram_weight: float = 0.0  # L1 on their Gram matrices (style)
    feature_layers: int = 3  # taps at strides 2, 4, 8
    flip: bool = True  # left-right
    vflip: bool = False  # top-bottom
    scale: tuple[float, float] = (1.0, 1.0)  # zoom range of the crops (1: native pixels)
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 0  # torch CPU threads; 0 = torch's default

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _check(r: PairsRecipe) -> PairsRecipe:
    try:
        m = 2 ** GeneratorConfig(**r.generator).depth
    except (TypeError, ValueError) as exc:  # not a mapping, unknown keys, bad values
        raise InputError(f"pairs recipe {r.name!r}: generator: {exc}") from None
    problems = [
        (not r.sizes or any(s < 16 or s % m for s in r.sizes))
        and f"sizes must be >= 16 and multiples of {m} (2 ** generator depth), got {r.sizes}",
        r.epochs < 1 and f"epochs must be >= 1, got {r.epochs}",
        r.batch < 1 and f"batch must be >= 1, got {r.batch}",
        not 0 <= r.selection_fraction < 1
        and f"selection_fraction must be in [0, 1), got {r.selection_fraction}",
        not 0 < r.scale[0] <= r.scale[1] and f"scale must be 0 < min <= max, got {r.scale}",
        r.lr <= 0 and f"lr must be > 0, got {r.lr}",
        min(r.pixel_weight, r.feature_weight, r.gram_weight) < 0 and "loss weights must be >= 0",
        not 1 <= r.feature_layers <= 5 and f"feature_layers is 1-5, got {r.feature_layers}",
    ]
    problems = [p for p in problems if p]
    if problems:
        raise InputError(f"pairs recipe {r.name!r}: " + "; ".join(problems))
    return r


def load_pairs_recipe(source: str | Path | dict | None = None, **overrides: Any) -> PairsRecipe:
    """The recipe in ``source`` (a YAML file, a mapping, or None for the defaults) with
    ``overrides`` (field values; None leaves the recipe's) applied; checked.

    Raises InputError for a missing or malformed file, an unknown key, a bad value."""
    raw: dict[str, Any] = {}
    if isinstance(source, dict):
        raw = dict(source)
    elif source is not None:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{path}: no such recipe file")
        raw = read_recipe_file(path)
        raw.setdefault("name", path.stem)
    raw.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in dataclasses.fields(PairsRecipe)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(f"unknown pairs recipe keys {unknown}; valid: {sorted(known)}")
    for key in ("sizes", "scale"):
        if key in raw:
            value = raw[key]
            raw[key] = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    if len(raw.get("scale", (1, 1))) != 2:
        raise InputError(f"scale is [min, max], got {raw['scale']}")
    try:
        return _check(PairsRecipe(**raw))
    except TypeError as exc:
        raise InputError(f"pairs recipe: {exc}") from None


def epoch_size(recipe: PairsRecipe, epoch: int) -> int:
    """The crop side of ``epoch`` (0-based): the sizes share the epochs in order."""
    return recipe.sizes[min(epoch * len(recipe.sizes) // recipe.epochs, len(recipe.sizes) - 1)]


def _images(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    found = {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}
    if not found:
        raise InputError(f"{folder}: holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return found


def find_pairs(inputs: str | Path, targets: str | Path) -> list[tuple[str, Path, Path]]:
    """(stem, input, target) for every stem found in both folders, sorted by stem.
    Raises InputError when a folder is missing or empty, or no stem matches."""
    a, b = _images(Path(inputs)), _images(Path(targets))
    stems = sorted(set(a) & set(b))
    if not stems:
        raise InputError(
            f"no file stem is in both {inputs} and {targets} (e.g. {sorted(a)[:2]} vs "
            f"{sorted(b)[:2]}): a pair is an input and a target with the same name"
        )
    unmatched = len(a) + len(b) - 2 * len(stems)
    if unmatched:
        log.warning("%d images have no partner of the same name and are not used", unmatched)
    return [(s, a[s], b[s]) for s in stems]


def pair_fingerprint(pairs: list[tuple[str, Path, Path]]) -> str:
    """sha256 over the stems and bytes of every pair: what a run was trained on."""
    h = hashlib.sha256()
    for stem, x, y in pairs:
        h.update(stem.encode())
        for p in (x, y):
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def read_pairs(
    pairs: list[tuple[str, Path, Path]], *, max_side: int = 0
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(stem, input, target) arrays, ``H x W x 3`` uint8 RGB; a target of another size is
    resized to its input's, ``max_side`` > 0 shrinks the shorter side to it."""
    out = []
    for stem, xp, yp in pairs:
        x, y = read_image(xp), read_image(yp)  # InputError for an unreadable file
        if y.shape != x.shape:
            log.info("%s: target %s resized to the input's %s", stem, y.shape[:2], x.shape[:2])
            y = cv2.resize(y, (x.shape[1], x.shape[0]), interpolation=cv2.INTER_AREA)
        f = max_side / min(x.shape[:2]) if max_side else 1.0
        if f < 1:
            size = (max(1, round(x.shape[1] * f)), max(1, round(x.shape[0] * f)))
            x, y = (cv2.resize(a, size, interpolation=cv2.INTER_AREA) for a in (x, y))
        out.append((stem, x, y))
    return out


def paired_view(
    x: np.ndarray, y: np.ndarray, size: int, rng: np.random.Generator, recipe: PairsRecipe
) -> tuple[np.ndarray, np.ndarray]:
    """One ``size x size`` training view of a pair: the same crop, zoom and flips for
    input and target. A pair smaller than the crop is enlarged to hold it."""
    zoom = rng.uniform(*recipe.scale)
    side = max(1, round(size / zoom))
    h, w = x.shape[:2]
    if min(h, w) < side:
        f = side / min(h, w)
        dsize = (max(side, round(w * f)), max(side, round(h * f)))
        x, y = (cv2.resize(a, dsize, interpolation=cv2.INTER_CUBIC) for a in (x, y))
        h, w = x.shape[:2]
    top, left = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    views = [a[top : top + side, left : left + side] for a in (x, y)]
    if side != size:
        interp = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
        views = [cv2.resize(v, (size, size), interpolation=interp) for v in views]
    if recipe.flip and rng.random() < 0.5:
        views = [v[:, ::-1] for v in views]
    if recipe.vflip and rng.random() < 0.5:
        views = [v[::-1] for v in views]
    return np.ascontiguousarray(views[0]), np.ascontiguousarray(views[1])
