"""Train the PatchMatch refinement net (:mod:`retouch.train.refine_nets`) on cached triples.

The run folder follows :mod:`retouch.train.pairs_train`: ``recipe.yaml``, ``meta.json``,
``metrics.jsonl`` (one line per epoch), ``last.pt`` (every epoch, for an exact
``resume``) and ``best.pt`` (the lowest held-out score). The first ``held_shards``
shards of the cache (sorted by name) are held out for selection.

Loss, on the composite (outside the hole it is the truth already): L1 in the hole
(mean over hole pixels), L1 on a band of ``band`` px each side of the hole's border
(the seam), and L1 on frozen EfficientNet-Lite0 features, optionally their Gram matrices
(:class:`retouch.train.feature_loss.FeatureLoss`).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import yaml

from retouch.core.errors import InputError
from retouch.train.config import read_recipe_file
from retouch.train.feature_loss import FeatureLoss
from retouch.train.loop import _device, _git_commit, save_epoch, torch_threads
from retouch.train.refine_data import cache_fingerprint, load_shards
from retouch.train.refine_nets import RefineNet, build_refine

__all__ = ["KIND", "RefineRecipe", "load_recipe", "load_refine", "train_refine"]

log = logging.getLogger(__name__)
KIND = "refine"


@dataclass
class RefineRecipe:
    """Everything a refinement run depends on (a YAML file holds the same keys)."""

    name: str = "refine"
    cache: str = "/tmp/h23r/cache"
    held_shards: int = 1
    net: dict = field(default_factory=lambda: {"width": 16})
    crop: int = 128
    batch: int = 4
    epochs: int = 10
    steps_per_epoch: int = 40
    lr: float = 1e-3
    weight_decay: float = 1e-4
    hole_weight: float = 1.0
    band_weight: float = 0.5
    band: int = 4
    feature_weight: float = 0.3
    gram_weight: float = 0.0
    feature_layers: int = 4
    seed: int = 0
    device: str = "cpu"
    threads: int = 1

    def to_dict(self) -> dict:
        return asdict(self)


def load_recipe(path: str | Path, **overrides) -> RefineRecipe:
    """The recipe in YAML file ``path`` with ``overrides``; InputError on unknown keys."""
    data = {**read_recipe_file(Path(path)), **overrides}
    known = set(RefineRecipe.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"{path}: unknown recipe keys {unknown}; known: {sorted(known)}")
    return RefineRecipe(**data)


def _shards(recipe: RefineRecipe) -> tuple[list[Path], list[Path]]:
    paths = sorted(Path(recipe.cache).glob("shard_*[0-9].npz"))
    if len(paths) <= recipe.held_shards:
        raise InputError(
            f"{recipe.cache} holds {len(paths)} shards, need more than held_shards="
            f"{recipe.held_shards}: build them with python -m retouch.train.refine_data"
        )
    return paths[recipe.held_shards :], paths[: recipe.held_shards]


def _tensors(data: dict, idx, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(truth B x 3, mask B x 1 in {0, 1}, fill B x 3) float tensors of samples ``idx``."""
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(device)  # noqa: E731
    truth = t(data["image"][idx]).permute(0, 3, 1, 2).float() / 255
    fill = t(data["fill"][idx]).permute(0, 3, 1, 2).float() / 255
    mask = (t(data["mask"][idx]) > 0).float()[:, None]
    return truth, mask, fill


def _views(batch: tuple, rng: np.random.Generator, crop: int) -> tuple:
    """One random crop, flip and quarter turn of each sample (the same for all three)."""
    out = [[], [], []]
    side = batch[0].shape[-1]
    for i in range(batch[0].shape[0]):
        y, x = (int(v) for v in rng.integers(0, side - crop + 1, 2))
        k, flip = int(rng.integers(0, 4)), bool(rng.random() < 0.5)
        for j, a in enumerate(batch):
            v = a[i : i + 1, :, y : y + crop, x : x + crop]
            v = torch.flip(v, (3,)) if flip else v
            out[j].append(torch.rot90(v, k, (2, 3)))
    return tuple(torch.cat(o) for o in out)


def _band(mask: torch.Tensor, width: int) -> torch.Tensor:
    """Pixels within ``width`` of the hole's border, either side (B x 1 x H x W in {0, 1})."""
    k = 2 * width + 1
    grown = F.max_pool2d(mask, k, 1, width)
    shrunk = 1 - F.max_pool2d(1 - mask, k, 1, width)
    return grown - shrunk


def refine_loss(recipe, loss_fn, pred, truth, mask) -> tuple[torch.Tensor, dict[str, float]]:
    """The weighted loss and its parts (see the module docstring)."""
    err = (pred - truth).abs().mean(1, keepdim=True)
    hole = (err * mask).sum() / mask.sum().clamp(min=1)
    band = _band(mask, recipe.band)
    seam = (err * band).sum() / band.sum().clamp(min=1)
    total = recipe.hole_weight * hole + recipe.band_weight * seam
    parts = {"hole_l1": hole.item(), "band_l1": seam.item()}
    if loss_fn.features_used:
        feat, fparts = loss_fn(pred, truth)
        total = total + feat
        parts.update({k: v for k, v in fparts.items() if k != "pixel_l1"})
    return total, parts


@torch.no_grad()
def _held_score(recipe, net, loss_fn, held: dict, device) -> dict[str, float]:
    """Held-out loss of the net and of PatchMatch alone (the full 256 px triples)."""
    net.eval()
    sums = {"score": 0.0, "patchmatch": 0.0, "hole_l1": 0.0, "patchmatch_hole_l1": 0.0}
    n = len(held["image"])
    for s in range(0, n, 4):
        truth, mask, fill = _tensors(held, slice(s, s + 4), device)
        pred = net(torch.cat([fill, mask], 1))
        for key, out in (("score", pred), ("patchmatch", fill)):
            loss, parts = refine_loss(recipe, loss_fn, out, truth, mask)
            k = len(truth) / n
            sums[key] += loss.item() * k
            sums["hole_l1" if key == "score" else "patchmatch_hole_l1"] += parts["hole_l1"] * k
    return {k: round(v, 6) for k, v in sums.items()}


def _build(recipe: RefineRecipe, device):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        net = build_refine(**recipe.net).to(device)
    loss_fn = FeatureLoss(
        pixel_weight=0.0,
        feature_weight=recipe.feature_weight,
        gram_weight=recipe.gram_weight,
        layers=recipe.feature_layers,
    ).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    return net, loss_fn, opt


def _lr(recipe: RefineRecipe, step: int, total: int) -> float:
    """Cosine decay to 5 % after a 20-step warm-up."""
    if step < 20:
        return recipe.lr * (step + 1) / 20
    return recipe.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / max(total, 1))))


def _epoch(ctx: dict, epoch: int, step: int, progress) -> tuple[dict, int]:
    recipe, data, net, opt, loss_fn = (ctx[k] for k in ("recipe", "train", "net", "opt", "loss"))
    rng = np.random.default_rng([recipe.seed, epoch])
    n, sums = len(data["image"]), {}
    net.train()
    for i in range(recipe.steps_per_epoch):
        idx = np.sort(rng.choice(n, min(recipe.batch, n), replace=False))
        truth, mask, fill = _views(_tensors(data, idx, ctx["device"]), rng, recipe.crop)
        for group in opt.param_groups:
            group["lr"] = _lr(recipe, step, ctx["total"])
        loss, parts = refine_loss(recipe, loss_fn, net(torch.cat([fill, mask], 1)), truth, mask)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        for k, v in {"loss": loss.item(), **parts}.items():
            sums[k] = sums.get(k, 0.0) + v
        if progress:
            progress(
                i + 1, recipe.steps_per_epoch, {"epoch": epoch + 1, "loss": sums["loss"] / (i + 1)}
            )
    return {k: round(v / recipe.steps_per_epoch, 6) for k, v in sums.items()}, step


def _checkpoint(recipe, net, opt, epoch, step, best, fp, record) -> dict:
    return {
        "kind": KIND,
        "net": dict(recipe.net),
        "model": net.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": epoch,
        "step": step,
        "best": best,
        "data_fingerprint": fp,
        "recipe": recipe.to_dict(),
        "metrics": record,
    }


def train_refine(
    recipe: RefineRecipe,
    run: str | Path,
    *,
    resume: bool = False,
    progress: Callable[[int, int, dict], None] | None = None,
) -> dict:
    """Train ``recipe`` into folder ``run``; returns the last epoch's metrics.

    ``resume=True`` continues exactly from ``run/last.pt`` (the recipe may add epochs).
    Raises InputError for a missing cache or an unusable run folder."""
    run = Path(run)
    if (run / "last.pt").exists() and not resume:
        raise InputError(f"{run} already holds a run; pass --resume or a new folder")
    if resume and not (run / "last.pt").is_file():
        raise InputError(f"{run}/last.pt does not exist: nothing to resume")
    train_paths, held_paths = _shards(recipe)
    fp = cache_fingerprint(train_paths + held_paths)
    run.mkdir(parents=True, exist_ok=True)
    with torch_threads(recipe.threads):
        return _fit(recipe, run, resume, progress, (train_paths, held_paths, fp))


@torch.enable_grad()
def _fit(recipe, run: Path, resume: bool, progress, paths) -> dict:
    train_paths, held_paths, fp = paths
    device = _device(recipe.device)
    net, loss_fn, opt = _build(recipe, device)
    start, step, best = 0, 0, math.inf
    if resume:
        ckpt = torch.load(run / "last.pt", map_location=device, weights_only=False)
        if ckpt.get("kind") != KIND or ckpt["net"] != dict(recipe.net):
            raise InputError(f"{run}/last.pt holds another network than the recipe names")
        if ckpt["data_fingerprint"] != fp:
            log.warning("resuming on a different cache than the run started with")
        net.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        start, step, best = ckpt["epoch"], ckpt["step"], ckpt["best"]
    if start >= recipe.epochs:
        raise InputError(f"{run} has trained {start} epochs already: ask for more epochs")
    (run / "recipe.yaml").write_text(yaml.safe_dump(recipe.to_dict(), sort_keys=False))
    meta = {
        "kind": KIND,
        "git_commit": _git_commit(),
        "data_fingerprint": fp,
        "train_shards": [p.name for p in train_paths],
        "held_shards": [p.name for p in held_paths],
        "torch": torch.__version__,
        "device": str(device),
        "features_used": loss_fn.features_used,
    }
    (run / "meta.json").write_text(json.dumps(meta, indent=1))
    ctx = dict(recipe=recipe, net=net, opt=opt, loss=loss_fn, device=device)
    ctx.update(train=load_shards(train_paths), total=recipe.steps_per_epoch * recipe.epochs)
    held = load_shards(held_paths)
    record: dict = {}
    for epoch in range(start, recipe.epochs):
        t0 = time.perf_counter()
        sums, step = _epoch(ctx, epoch, step, progress)
        record = {"epoch": epoch + 1, "step": step, **sums}
        record["held"] = _held_score(recipe, net, loss_fn, held, device)
        record["seconds"] = round(time.perf_counter() - t0, 2)
        score = record["held"]["score"]
        ckpt = _checkpoint(recipe, net, opt, epoch + 1, step, min(best, score), fp, record)
        save_epoch(run, epoch + 1, ckpt, record, improved=score < best, logger=log)
        best = min(best, score)
    return record


def load_refine(path: str | Path) -> tuple[RefineNet, dict]:
    """(net in eval mode, checkpoint) from a ``last.pt`` / ``best.pt`` of a refinement run."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if ckpt.get("kind") != KIND:
        raise InputError(f"{path} is not a refinement-net checkpoint")
    net = build_refine(**ckpt["net"])
    net.load_state_dict(ckpt["model"])
    return net.eval(), ckpt
