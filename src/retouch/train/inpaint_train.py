"""The training loop of ``retouch train inpaint``: a ``pconv`` or ``maskunet`` network
(``train.inpaint_nets``) learns to fill our own holes in photo crops with Liu et al.'s
loss (``train.inpaint_loss``); checkpoints every epoch, exact resume.

The run folder follows ``train.pairs_train``'s layout: ``recipe.yaml`` (resolved),
``meta.json``, ``metrics.jsonl`` (one line per epoch), ``last.pt`` and ``best.pt`` (the
epoch with the lowest hole L1 on fixed views of held-out photos, or the lowest training
loss when none are held out). Epoch ``e`` draws its photo order from
``np.random.default_rng([seed, e])`` and view ``i`` from ``[seed, e, i]``, so a resumed
run sees the batches an uninterrupted one would. After Ctrl-C, ``last.pt`` holds the
last finished epoch (saved atomically) and ``--resume`` repeats the interrupted one.
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
from retouch.train.inpaint_data import data_fingerprint, find_photos, inpaint_view, read_photos
from retouch.train.inpaint_loss import InpaintLoss
from retouch.train.inpaint_nets import build_inpaint_net
from retouch.train.inpaint_recipe import InpaintRecipe
from retouch.train.loop import _device, _git_commit, save_epoch, torch_threads

__all__ = ["KIND", "load_inpaint_net", "to_batch", "train_inpaint"]

KIND = "inpaint"
log = logging.getLogger(__name__)


def to_batch(
    views: list[tuple[np.ndarray, np.ndarray]], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(holed input, known, truth) tensors of (image uint8, hole mask uint8) views."""
    truth = torch.from_numpy(np.stack([v[0] for v in views])).permute(0, 3, 1, 2)
    truth = truth.float().div(255).to(device)
    known = torch.from_numpy(np.stack([v[1] for v in views]) == 0).float()[:, None].to(device)
    return truth * known, known, truth


def _lr(recipe: InpaintRecipe, step: int, total: int) -> float:
    if step < recipe.warmup_steps:
        return recipe.lr * (step + 1) / recipe.warmup_steps
    t = (step - recipe.warmup_steps) / max(1, total - recipe.warmup_steps)
    return recipe.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def load_inpaint_net(path: str | Path) -> tuple[torch.nn.Module, dict]:
    """The network of an inpaint checkpoint (eval mode, CPU) and its other fields.
    Raises InputError for a checkpoint of another kind."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if ckpt.get("kind") != KIND:
        raise InputError(f"{path}: not a checkpoint of `retouch train inpaint`")
    net = build_inpaint_net(ckpt["net"], width=ckpt["width"])
    net.load_state_dict(ckpt["model"])
    return net.eval(), ckpt


def _setup(recipe: InpaintRecipe, run: Path, resume: bool):
    if (run / "last.pt").exists() and not resume:
        raise InputError(f"{run} already holds a run; pass --resume or a new folder")
    if resume and not (run / "last.pt").is_file():
        raise InputError(f"{run}/last.pt does not exist: nothing to resume")
    files = find_photos(recipe.data)
    photos = read_photos(files, max_side=recipe.max_side)
    train_names, held_names = split_names([s for s, _ in photos], recipe.selection_fraction)
    if not train_names:
        raise InputError(f"all {len(photos)} photos fell in the held-out split: add photos")
    train = [p for p in photos if p[0] in set(train_names)]
    held = [p for p in photos if p[0] in set(held_names)]
    held_views = [
        inpaint_view(img, np.random.default_rng([recipe.seed, 10**6, i]), size=recipe.size,
                     scale=(1.0, 1.0), ratio=recipe.ratio, flip=False)
        for i, (_, img) in enumerate(held)
    ]  # fmt: skip
    return _device(recipe.device), train, held_views, data_fingerprint(files)


def train_inpaint(
    recipe: InpaintRecipe,
    run: str | Path,
    *,
    resume: bool = False,
    progress: Callable[[int, int, dict], None] | None = None,
) -> dict:
    """Train ``recipe`` into the folder ``run``; returns the last epoch's metrics.

    ``resume=True`` continues from ``run/last.pt`` (the recipe may add epochs);
    ``progress(step, steps, info)`` is called after every step. ``recipe.threads``
    applies while training; torch's thread count is restored after.
    Raises InputError for unusable data or run folders."""
    run = Path(run)
    device, train, held, fp = _setup(recipe, run, resume)
    run.mkdir(parents=True, exist_ok=True)
    with torch_threads(recipe.threads):
        return _fit(recipe, run, resume, progress, device, (train, held, fp))


def _build(recipe: InpaintRecipe, device: torch.device):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        net = build_inpaint_net(recipe.net, width=recipe.width).to(device)
    loss_fn = InpaintLoss(
        valid=recipe.valid_weight,
        hole=recipe.hole_weight,
        perceptual=recipe.perceptual_weight,
        style=recipe.style_weight,
        tv=recipe.tv_weight,
        layers=recipe.feature_layers,
    ).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    return net, loss_fn, opt


def _resume(run: Path, recipe: InpaintRecipe, net, opt, fp: str, device):
    ckpt = torch.load(run / "last.pt", map_location=device, weights_only=False)
    if ckpt.get("kind") != KIND or (ckpt["net"], ckpt["width"]) != (recipe.net, recipe.width):
        raise InputError(f"{run}/last.pt holds another network than the recipe names")
    if ckpt["data_fingerprint"] != fp:
        log.warning("resuming on different photos than the run started with")
    net.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    return ckpt["epoch"], ckpt["step"], ckpt["best"]


def _epoch(ctx: dict, epoch: int, step: int, progress) -> tuple[dict, int]:
    recipe, train, net, opt, loss_fn = (ctx[k] for k in ("recipe", "train", "net", "opt", "loss"))
    steps, device = ctx["steps"], ctx["device"]
    order = np.random.default_rng([recipe.seed, epoch]).permutation(
        np.resize(np.arange(len(train)), steps * recipe.batch)
    )
    sums: dict[str, float] = {}
    net.train()
    for i in range(steps):
        views = []
        for j in range(i * recipe.batch, (i + 1) * recipe.batch):
            rng = np.random.default_rng([recipe.seed, epoch, j])
            views.append(
                inpaint_view(train[order[j]][1], rng, size=recipe.size, scale=recipe.scale,
                             ratio=recipe.ratio)
            )  # fmt: skip
        x, known, truth = to_batch(views, device)
        for group in opt.param_groups:
            group["lr"] = _lr(recipe, step, ctx["total"])
        loss, parts = loss_fn(net(x, known), truth, known)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        for k, v in {"loss": loss.item(), **parts}.items():
            sums[k] = sums.get(k, 0.0) + v
        if progress:
            info = {"epoch": epoch + 1, "epochs": recipe.epochs, "size": recipe.size}
            progress(i + 1, steps, {**info, "loss": sums["loss"] / (i + 1)})
    return sums, step


@torch.no_grad()
def _held_hole_l1(net, held: list, device) -> float:
    """Mean L1 over the hole of the held-out views (RGB in [0, 1])."""
    net.eval()
    errs = []
    for k in range(0, len(held), 8):
        x, known, truth = to_batch(held[k : k + 8], device)
        hole = 1 - known
        err = (hole * (net(x, known) - truth)).abs().sum() / (3 * hole.sum()).clamp(min=1)
        errs.append(err.item())
    net.train()
    return float(np.mean(errs))


def _write_meta(run: Path, fp: str, device, n_train: int) -> None:
    meta = {
        "kind": KIND,
        "git_commit": _git_commit(),
        "data_fingerprint": fp,
        "train_photos": n_train,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (run / "meta.json").write_text(json.dumps(meta, indent=1))


def _checkpoint(ctx: dict, epoch: int, step: int, best: float, record: dict) -> dict:
    recipe = ctx["recipe"]
    return {
        "kind": KIND,
        "net": recipe.net,
        "width": recipe.width,
        "model": ctx["net"].state_dict(),
        "optimizer": ctx["opt"].state_dict(),
        "epoch": epoch,
        "step": step,
        "best": best,
        "data_fingerprint": ctx["fp"],
        "recipe": recipe.to_dict(),
        "metrics": record,
        "features_used": ctx["loss"].features_used,
    }


@torch.enable_grad()
def _fit(recipe: InpaintRecipe, run: Path, resume: bool, progress, device, data) -> dict:
    train, held, fp = data
    net, loss_fn, opt = _build(recipe, device)
    start, step, best = _resume(run, recipe, net, opt, fp, device) if resume else (0, 0, math.inf)
    if start >= recipe.epochs:
        raise InputError(f"{run} has trained {start} epochs already: ask for more (--epochs)")
    (run / "recipe.yaml").write_text(yaml.safe_dump(recipe.to_dict(), sort_keys=False))
    _write_meta(run, fp, device, len(train))
    steps = recipe.steps_per_epoch
    ctx = dict(recipe=recipe, train=train, net=net, opt=opt, loss=loss_fn, device=device, fp=fp)
    ctx.update(steps=steps, total=steps * recipe.epochs)
    record: dict = {}
    for epoch in range(start, recipe.epochs):
        t0 = time.perf_counter()
        sums, step = _epoch(ctx, epoch, step, progress)
        record = {
            "epoch": epoch + 1,
            "steps": steps,
            **{k: round(v / steps, 6) for k, v in sums.items()},
            "selection_hole_l1": round(_held_hole_l1(net, held, device), 6) if held else None,
            "lr": _lr(recipe, step - 1, ctx["total"]),
            "seconds": round(time.perf_counter() - t0, 2),
        }
        score = record["selection_hole_l1"] if held else record["loss"]
        ckpt = _checkpoint(ctx, epoch + 1, step, min(best, score), record)
        save_epoch(run, epoch + 1, ckpt, record, improved=score < best, logger=log)
        best = min(best, score)
    return record
