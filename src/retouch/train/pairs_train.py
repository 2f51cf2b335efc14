"""The training loop of ``retouch train pairs``: the self-attention U-Net generator
(``train.generator``) learns input -> target from image pairs with the feature loss
(``train.feature_loss``), progressive resizing, checkpoints every epoch, exact resume.

The run folder follows ``train.loop``'s layout: ``recipe.yaml`` (resolved),
``meta.json``, ``metrics.jsonl`` (one line per epoch), ``last.pt`` and ``best.pt`` (the
epoch with the lowest L1 on the held-out pairs, or the lowest training loss when none
are held out). Each epoch draws its order and views from
``np.random.default_rng([seed, epoch])``, so a resumed run sees the batches an
uninterrupted one would.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import yaml

from retouch.core.errors import InputError
from retouch.train.data import split_names
from retouch.train.feature_loss import FeatureLoss
from retouch.train.generator import UNetGenerator, build_generator
from retouch.train.loop import _device, _git_commit, save_epoch, torch_threads
from retouch.train.pairs import (
    PairsRecipe,
    epoch_size,
    find_pairs,
    pair_fingerprint,
    paired_view,
    read_pairs,
)

__all__ = ["KIND", "load_generator", "train_pairs"]

KIND = "pairs"  # the ``kind`` of a pairs checkpoint (segmentation ones have none)
log = logging.getLogger(__name__)


def _to_tensor(images: list[np.ndarray], device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div(255).to(device)


def _lr(recipe: PairsRecipe, step: int, total: int) -> float:
    if step < recipe.warmup_steps:
        return recipe.lr * (step + 1) / recipe.warmup_steps
    t = (step - recipe.warmup_steps) / max(1, total - recipe.warmup_steps)
    return recipe.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def _centre(a: np.ndarray, side: int) -> np.ndarray:
    top, left = max(0, (a.shape[0] - side) // 2), max(0, (a.shape[1] - side) // 2)
    return a[top : top + side, left : left + side]


@torch.no_grad()
def _held_l1(net: UNetGenerator, held: list, side: int, device: torch.device) -> float:
    """Mean L1 (RGB in [0, 1]) of the clamped output on the held-out pairs, on their
    central ``side x side`` crops (self-attention's cost grows with the square of the
    pixel count: whole photos could exhaust memory)."""
    net.eval()
    errs = []
    for _, x, y in held:
        x, y = (_to_tensor([_centre(a, side)], device) for a in (x, y))
        errs.append((net(x).clamp(0, 1) - y).abs().mean().item())
    net.train()
    return float(np.mean(errs))


def load_generator(path: str | Path) -> tuple[UNetGenerator, dict]:
    """The generator of a pairs checkpoint (eval mode, CPU) and its other fields.
    Raises InputError for a checkpoint of another kind."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if ckpt.get("kind") != KIND:
        raise InputError(f"{path}: not a checkpoint of `retouch train pairs`")
    net = build_generator(**ckpt["generator"])
    net.load_state_dict(ckpt["model"])
    return net.eval(), ckpt


def _write_meta(run: Path, fp: str, device: torch.device, split: tuple) -> None:
    meta = {
        "kind": KIND,
        "git_commit": _git_commit(),
        "data_fingerprint": fp,
        "train_pairs": len(split[0]),
        "selection_pairs": sorted(split[1]),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (run / "meta.json").write_text(json.dumps(meta, indent=1))


def _setup(recipe: PairsRecipe, run: Path, resume: bool):
    """Check the run folder and read the data: (device, train, held, fingerprint)."""
    if (run / "last.pt").exists() and not resume:
        raise InputError(f"{run} already holds a run; pass --resume or a new folder")
    if resume and not (run / "last.pt").is_file():
        raise InputError(f"{run}/last.pt does not exist: nothing to resume")
    pairs = find_pairs(recipe.inputs, recipe.targets)
    fp = pair_fingerprint(pairs)
    data = read_pairs(pairs, max_side=recipe.max_side)
    train_names, held_names = split_names([s for s, _, _ in data], recipe.selection_fraction)
    if not train_names:
        raise InputError(f"all {len(data)} pairs fell in the held-out split: add pairs")
    train = [d for d in data if d[0] in set(train_names)]
    held = [d for d in data if d[0] in set(held_names)]
    return _device(recipe.device), train, held, fp


def train_pairs(
    recipe: PairsRecipe,
    run: str | Path,
    *,
    resume: bool = False,
    progress: Callable[[int, int, dict], None] | None = None,
) -> dict:
    """Train ``recipe`` into the folder ``run``; returns the last epoch's metrics.

    ``resume=True`` continues from ``run/last.pt`` (the recipe may add epochs);
    ``progress(step, steps, info)`` is called after every step of an epoch.
    ``recipe.threads`` applies while training; torch's thread count is restored after.
    Raises InputError for unusable data or run folders."""
    run = Path(run)
    device, train, held, fp = _setup(recipe, run, resume)
    run.mkdir(parents=True, exist_ok=True)
    with torch_threads(recipe.threads):
        return _fit(recipe, run, resume, progress, device, (train, held, fp))


def _build(recipe: PairsRecipe, device: torch.device):
    """(generator, loss, optimiser) of a fresh run; the weights drawn from the seed."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        net = build_generator(**recipe.generator).to(device)
    loss_fn = FeatureLoss(
        pixel_weight=recipe.pixel_weight,
        feature_weight=recipe.feature_weight,
        gram_weight=recipe.gram_weight,
        layers=recipe.feature_layers,
    ).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    return net, loss_fn, opt


def _resume(run: Path, recipe: PairsRecipe, net, opt, fp: str, device) -> tuple[int, int, float]:
    """Load ``run/last.pt`` into ``net`` and ``opt``; (epoch, step, best score)."""
    ckpt = torch.load(run / "last.pt", map_location=device, weights_only=False)
    if ckpt.get("kind") != KIND or ckpt["generator"] != recipe.generator:
        raise InputError(f"{run}/last.pt holds another network than the recipe names")
    if ckpt["data_fingerprint"] != fp:
        log.warning("resuming on different pairs than the run started with")
    net.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    return ckpt["epoch"], ckpt["step"], ckpt["best"]


def _epoch(ctx: dict, epoch: int, step: int, progress) -> tuple[dict, int]:
    """One pass: the summed loss parts by name, and the step count after it."""
    recipe, train, net, opt, loss_fn = (ctx[k] for k in ("recipe", "train", "net", "opt", "loss"))
    steps, total, device = ctx["steps"], ctx["total"], ctx["device"]
    size, rng = epoch_size(recipe, epoch), np.random.default_rng([recipe.seed, epoch])
    order = np.concatenate(
        [rng.permutation(len(train)) for _ in range(1 + steps * recipe.batch // len(train))]
    )
    sums: dict[str, float] = {}
    net.train()
    for i in range(steps):
        views = [
            paired_view(train[j][1], train[j][2], size, rng, recipe)
            for j in order[i * recipe.batch : (i + 1) * recipe.batch]
        ]
        x = _to_tensor([v[0] for v in views], device)
        y = _to_tensor([v[1] for v in views], device)
        for group in opt.param_groups:
            group["lr"] = _lr(recipe, step, total)
        loss, parts = loss_fn(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        for k, v in {"loss": loss.item(), **parts}.items():
            sums[k] = sums.get(k, 0.0) + v
        if progress:
            info = {"epoch": epoch + 1, "epochs": recipe.epochs, "size": size}
            progress(i + 1, steps, {**info, "loss": sums["loss"] / (i + 1)})
    return sums, step


@torch.enable_grad()
def _fit(recipe: PairsRecipe, run: Path, resume: bool, progress, device, data) -> dict:
    train, held, fp = data
    net, loss_fn, opt = _build(recipe, device)
    start, step, best = _resume(run, recipe, net, opt, fp, device) if resume else (0, 0, math.inf)
    if start >= recipe.epochs:
        raise InputError(f"{run} has trained {start} epochs already: ask for more (--epochs)")
    (run / "recipe.yaml").write_text(yaml.safe_dump(recipe.to_dict(), sort_keys=False))
    _write_meta(run, fp, device, ([s for s, _, _ in train], [s for s, _, _ in held]))
    steps = recipe.steps_per_epoch or max(1, len(train) // recipe.batch)
    ctx = dict(recipe=recipe, train=train, net=net, opt=opt, loss=loss_fn, device=device)
    ctx.update(steps=steps, total=steps * recipe.epochs)
    record: dict = {}
    for epoch in range(start, recipe.epochs):
        t0 = time.perf_counter()
        sums, step = _epoch(ctx, epoch, step, progress)
        record = {
            "epoch": epoch + 1,
            "size": epoch_size(recipe, epoch),
            "steps": steps,
            **{k: round(v / steps, 6) for k, v in sums.items()},
            "selection_l1": round(_held_l1(net, held, max(recipe.sizes), device), 6)
            if held
            else None,
            "lr": _lr(recipe, step - 1, ctx["total"]),
            "seconds": round(time.perf_counter() - t0, 2),
        }
        score = record["selection_l1"] if held else record["loss"]
        ckpt = {
            "kind": KIND,
            "generator": dict(recipe.generator),
            "model": net.state_dict(),
            "optimizer": opt.state_dict(),
            "epoch": epoch + 1,
            "step": step,
            "best": min(best, score),
            "data_fingerprint": fp,
            "recipe": recipe.to_dict(),
            "metrics": record,
            "features_used": loss_fn.features_used,
        }
        save_epoch(run, epoch + 1, ckpt, record, improved=score < best, logger=log)
        best = min(best, score)
    return record
