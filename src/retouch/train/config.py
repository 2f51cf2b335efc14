"""Training recipes: YAML files resolved into a checked ``Recipe``.

A recipe names the data, the network, the progressive-resizing schedule, the optimiser,
the loss weights and the augmentation. ``load_recipe`` accepts a path or the name of a
recipe shipped in ``retouch/train/recipes``; ``key.sub=value`` overrides (YAML values)
are applied before checking, and the resolved recipe is what a run writes down. A
recipe may start from another with ``extends: NAME`` (a shipped name, or a path beside
it) and list only what differs; mappings such as ``augment`` merge key by key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retouch.core.errors import InputError
from retouch.train.augment import AugmentSettings

__all__ = ["RECIPES", "Recipe", "Stage", "load_recipe", "read_recipe_file", "recipe_names"]

RECIPES = Path(__file__).with_name("recipes")


@dataclass(frozen=True)
class Stage:
    """``epochs`` passes over the training split at ``size x size`` crops."""

    size: int
    epochs: int
    batch: int
    steps_per_epoch: int = 0  # 0: the whole split each epoch


@dataclass(frozen=True)
class Recipe:
    name: str
    task: str
    train_data: str | tuple[str, ...]  # a folder of images/ and masks/, or several
    arch: str = "u2netp"
    stages: tuple[Stage, ...] = (Stage(128, 1, 8),)
    selection_fraction: float = 0.1  # of train_data, held out to pick the best epoch
    max_side: int = 288  # shorter side of the cached training photos
    eval_size: int = 320  # longer side the selection split is scored at
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 50
    side_weight: float = 1.0  # BCE on each side output, relative to the fused output
    dice_weight: float = 1.0
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    amp: bool = True  # bfloat16 autocast on CUDA; ignored on CPU
    threads: int = 0  # torch CPU threads; 0 = torch's default
    init: str = ""  # checkpoint whose weights start the run (a fine-tune); "" = random
    pretrained: bool = False  # a fresh run starts the encoder from ImageNet (effnet_lite0)
    encoder_lr: float = 1.0  # the encoder's learning rate, as a share of lr; 0 freezes it
    frozen: tuple[str, ...] = ()  # parameters not trained: names or prefixes (encoder.stem)
    augment: AugmentSettings = field(default_factory=AugmentSettings)
    # Folders whose images/ show none of the class (a tattoo set's plain skin photos):
    # trained on with all-zero masks, the first ``negatives_max`` by name hash (0: all).
    negative_data: tuple[str, ...] = ()
    negatives_max: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def recipe_names() -> list[str]:
    return sorted(p.stem for p in RECIPES.glob("*.yaml"))


def _set(tree: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[leaf] = value


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            value = _merge(out[key], value)
        out[key] = value
    return out


def _read(source: str | Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw mapping of a recipe file, with its ``extends`` chain merged in."""
    import yaml  # the train extra: imported here so that recipe_names() needs none

    # A path, or a parent named beside the file that extends it; then a shipped name.
    beside = seen[-1].parent if seen else None
    here = [beside / source, beside / f"{source}.yaml"] if beside else [Path(source)]
    found = [p for p in (*here, RECIPES / f"{source}.yaml") if p.is_file()]
    if not found:
        raise ValueError(f"no recipe file {source!r}; shipped recipes: {', '.join(recipe_names())}")
    path = found[0].resolve()
    if path in seen:
        chain = " -> ".join(p.stem for p in (*seen, path))
        raise ValueError(f"recipe {path.stem!r} extends itself: {chain}")
    raw = yaml.safe_load(path.read_text()) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a recipe is a mapping of keys, not {type(raw).__name__}")
    parent = raw.pop("extends", None)
    if parent is not None:
        base = _read(str(parent), (*seen, path))
        raw = _merge({k: v for k, v in base.items() if k != "name"}, raw)
    raw.setdefault("name", path.stem)
    return raw


def _build(raw: dict[str, Any]) -> Recipe:
    known = {f.name for f in dataclasses.fields(Recipe)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"unknown recipe keys {unknown}; valid: {sorted(known)}")
    raw = dict(raw)
    if "stages" in raw:
        raw["stages"] = tuple(Stage(**s) for s in raw["stages"])
    for key in ("frozen", "negative_data"):
        if key in raw:
            value = raw[key] or ()
            raw[key] = (value,) if isinstance(value, str) else tuple(value)
    if isinstance(raw.get("train_data"), list):
        raw["train_data"] = tuple(raw["train_data"])
    if "augment" in raw:
        aug = {k: tuple(v) if isinstance(v, list) else v for k, v in raw["augment"].items()}
        raw["augment"] = AugmentSettings(**aug)
    recipe = Recipe(**raw)
    if not recipe.stages or any(s.size < 32 or s.epochs < 1 or s.batch < 1 for s in recipe.stages):
        raise ValueError("every stage needs size >= 32, epochs >= 1, batch >= 1")
    if not 0 < recipe.selection_fraction < 1:
        raise ValueError("selection_fraction must be between 0 and 1")
    if not 0 <= recipe.encoder_lr <= 1:
        raise ValueError(
            f"encoder_lr is a share of lr from 0 (frozen) to 1, got {recipe.encoder_lr}"
        )
    return recipe


def load_recipe(source: str | Path | dict, overrides: list[str] = ()) -> Recipe:
    """The recipe in ``source`` (a YAML path, a shipped recipe name, or a dict) with
    ``key=value`` overrides applied, e.g.
    ``["seed=1", "stages=[{size: 64, epochs: 1, batch: 4}]"]``."""
    import yaml  # the train extra: imported here so that recipe_names() needs none

    raw = dict(source) if isinstance(source, dict) else _read(source)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"override {item!r} is not key=value")
        _set(raw, key.strip(), yaml.safe_load(value))
    return _build(raw)


def read_recipe_file(path: Path) -> dict:
    """The mapping in the YAML file ``path``; InputError when it is not valid YAML or not
    a mapping (the recipe readers of ``train pairs``, ``inpaint`` and ``refine``)."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        where = " ".join(str(exc).split())  # PyYAML's message spans lines: one line here
        raise InputError(f"{path}: not valid YAML ({where})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: a recipe is a mapping of keys")
    return raw
