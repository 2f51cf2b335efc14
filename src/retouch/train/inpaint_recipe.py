"""The recipe of a ``retouch train inpaint`` run: a YAML mapping of ``InpaintRecipe``
fields, a file or the name of a shipped recipe in ``retouch/train/recipes/inpaint``
(kept apart from the segmentation recipes that ``retouch train run`` lists)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retouch.core.errors import InputError
from retouch.train.config import read_recipe_file

# Here, not in inpaint_nets (torch): the CLI builds its parsers without the train extra.
NETS = ("pconv", "maskunet")
KERNELS = (7, 5, 5, 3, 3, 3)
MULTIPLE = 2 ** len(KERNELS)  # sides the nets run on without padding

__all__ = ["RECIPES", "InpaintRecipe", "inpaint_recipe_names", "load_inpaint_recipe"]

RECIPES = Path(__file__).parent / "recipes" / "inpaint"


@dataclass(frozen=True)
class InpaintRecipe:
    name: str = "inpaint"
    net: str = "pconv"  # pconv | maskunet
    width: int = 32  # channels at the first level (x1, 2, 4, 8, 8, 8)
    data: tuple[str, ...] = ("../shared/data/inpaint/train/images",)
    max_side: int = 768  # shorter side photos are shrunk to when read (0: keep)
    size: int = 128  # training crop side, a multiple of 64
    scale: tuple[float, float] = (0.5, 1.0)  # crop side / the photo's short side
    ratio: tuple[float, float] = (0.05, 0.6)  # hole ratio targets
    epochs: int = 20
    steps_per_epoch: int = 100
    batch: int = 8
    selection_fraction: float = 0.1  # photos held out (by name hash) to pick the best epoch
    lr: float = 5e-4
    weight_decay: float = 0.0
    warmup_steps: int = 20
    valid_weight: float = 1.0
    hole_weight: float = 6.0
    perceptual_weight: float = 0.05
    style_weight: float = 120.0
    tv_weight: float = 0.1
    feature_layers: int = 3
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 1  # torch CPU threads; 0 = torch's default
    extra: dict[str, Any] = field(default_factory=dict)  # notes, ignored by the trainer

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def inpaint_recipe_names() -> list[str]:
    return sorted(p.stem for p in RECIPES.glob("inpaint_*.yaml"))  # refine_*: retouch train refine


def _check(r: InpaintRecipe) -> InpaintRecipe:
    problems = [
        r.net not in NETS and f"net must be one of {', '.join(NETS)}, got {r.net!r}",
        r.width < 1 and f"width must be >= 1, got {r.width}",
        (r.size < MULTIPLE or r.size % MULTIPLE) and f"size must be a multiple of {MULTIPLE}",
        r.epochs < 1 and f"epochs must be >= 1, got {r.epochs}",
        r.steps_per_epoch < 1 and f"steps_per_epoch must be >= 1, got {r.steps_per_epoch}",
        r.batch < 1 and f"batch must be >= 1, got {r.batch}",
        not 0 < r.scale[0] <= r.scale[1] <= 1 and f"scale must be 0 < min <= max <= 1: {r.scale}",
        not 0 < r.ratio[0] <= r.ratio[1] < 1 and f"ratio must be 0 < min <= max < 1: {r.ratio}",
        not 0 <= r.selection_fraction < 1 and "selection_fraction must be in [0, 1)",
        r.lr <= 0 and f"lr must be > 0, got {r.lr}",
        not 1 <= r.feature_layers <= 5 and f"feature_layers is 1-5, got {r.feature_layers}",
        not r.data and "data names no folder",
    ]
    problems = [p for p in problems if p]
    if problems:
        raise InputError(f"inpaint recipe {r.name!r}: " + "; ".join(problems))
    return r


def _read(source: str | Path) -> dict[str, Any]:
    path = Path(source)
    if not path.is_file() and (RECIPES / f"{source}.yaml").is_file():
        path = RECIPES / f"{source}.yaml"
    if not path.is_file():
        names = ", ".join(inpaint_recipe_names())
        raise InputError(f"{source}: no such recipe file or shipped inpaint recipe ({names})")
    raw = read_recipe_file(path)
    raw.setdefault("name", path.stem)
    return raw


def load_inpaint_recipe(source: str | Path | dict | None = None, **overrides: Any) -> InpaintRecipe:
    """The recipe in ``source`` (a YAML file, a shipped name, a mapping or None for the
    defaults) with ``overrides`` (None leaves the recipe's value) applied; checked.

    Raises InputError for a missing or malformed file, an unknown key, a bad value."""
    raw = dict(source) if isinstance(source, dict) else _read(source) if source else {}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in dataclasses.fields(InpaintRecipe)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(f"unknown inpaint recipe keys {unknown}; valid: {sorted(known)}")
    for key in ("data", "scale", "ratio"):
        if key in raw:
            v = raw[key]
            raw[key] = tuple(v) if isinstance(v, (list, tuple)) else (v,)
    for key in ("scale", "ratio"):
        if len(raw.get(key, (0, 0))) != 2:
            raise InputError(f"{key} is [min, max], got {raw[key]}")
    try:
        return _check(InpaintRecipe(**raw))
    except TypeError as exc:
        raise InputError(f"inpaint recipe: {exc}") from None
