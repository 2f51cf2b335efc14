"""The training loop: progressive resizing, deep supervision, selection on a held-out
split, checkpoints every epoch, exact resume at epoch boundaries.

A run folder holds ``recipe.yaml`` (resolved), ``meta.json`` (git commit, data
fingerprint, versions, device), ``metrics.jsonl`` (one line per epoch), ``last.pt`` and
``best.pt`` (the epoch with the highest selection mIoU).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import math
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import yaml

from retouch.core.arrays import fit_long_side
from retouch.segment.evaluate import score_masks
from retouch.train.augment import mosaic, random_view
from retouch.train.config import Recipe, Stage
from retouch.train.data import Sample, load_training_set, split_names
from retouch.train.u2net import SkinNet, build_model

__all__ = ["deep_supervision_loss", "load_checkpoint", "predict_probability", "train"]

log = logging.getLogger(__name__)


def deep_supervision_loss(
    outputs: list[torch.Tensor], target: torch.Tensor, *, side_weight: float, dice_weight: float
) -> torch.Tensor:
    """BCE on the fused logits and (weighted) on every side output, plus a soft Dice term
    on the fused probability. ``target``: ``B x 1 x H x W`` float in {0, 1}."""
    outputs = [o.float() for o in outputs]
    loss = F.binary_cross_entropy_with_logits(outputs[0], target)
    for side in outputs[1:]:
        loss = loss + side_weight * F.binary_cross_entropy_with_logits(side, target)
    p = torch.sigmoid(outputs[0])
    inter = (p * target).sum((1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + 1)
    return loss + dice_weight * dice.mean()


def _device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def _git_commit() -> str:
    try:
        here = Path(__file__).parent
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=here, capture_output=True, text=True
        )
        return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "") or "unknown"
    except OSError:
        return "unknown"


def _plan(recipe: Recipe, n_train: int) -> list[tuple[Stage, int]]:
    """(stage, steps) for every epoch of the run."""
    plan = []
    for stage in recipe.stages:
        steps = stage.steps_per_epoch or max(1, n_train // stage.batch)
        plan += [(stage, steps)] * stage.epochs
    return plan


def _lr(recipe: Recipe, step: int, total: int) -> float:
    if step < recipe.warmup_steps:
        return recipe.lr * (step + 1) / recipe.warmup_steps
    t = (step - recipe.warmup_steps) / max(1, total - recipe.warmup_steps)
    return recipe.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def _param_groups(net: torch.nn.Module, encoder_lr: float, frozen=()) -> list[dict]:
    """Optimiser groups. Parameters named by ``frozen`` (a name, or a prefix ending at a
    dot: ``encoder.blocks.0``) get no gradients and are not optimised, nor is the
    encoder (``net.encoder``) when ``encoder_lr`` is 0; otherwise the encoder's
    parameters learn at ``encoder_lr`` times the rate (``scale``), the rest at the rate."""
    frozen = (*frozen, *(("encoder",) if encoder_lr == 0 else ()))
    for name, p in net.named_parameters():
        if any(name == f or name.startswith(f + ".") for f in frozen):
            p.requires_grad_(False)
    trainable = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    if encoder_lr == 1:
        return [{"params": [p for _, p in trainable], "scale": 1.0}]
    inside = [p for n, p in trainable if n.startswith("encoder.")]
    groups = [{"params": [p for n, p in trainable if not n.startswith("encoder.")], "scale": 1.0}]
    return groups + ([{"params": inside, "scale": encoder_lr}] if inside else [])


def _batch(pairs, idx, size, rng, recipe, device) -> tuple[torch.Tensor, torch.Tensor]:
    views = [
        mosaic(pairs, size, rng, recipe.augment)
        if rng.random() < recipe.augment.mosaic
        else random_view(pairs, int(i), size, rng, recipe.augment)
        for i in idx
    ]
    x = torch.from_numpy(np.stack([v[0] for v in views])).permute(0, 3, 1, 2).float() / 255
    y = torch.from_numpy(np.stack([v[1] for v in views]))[:, None].float() / 255
    return x.to(device), y.to(device)


@torch.no_grad()
def predict_probability(model: SkinNet, image: np.ndarray, long_side: int) -> np.ndarray:
    """P(skin) at the size of ``image`` (H x W x 3 uint8), the network run with the
    longer side at ``long_side``. float32 H x W in [0, 1]."""
    small = fit_long_side(image, long_side)
    x = torch.from_numpy(small).permute(2, 0, 1)[None].float() / 255
    device = next(model.parameters()).device
    p = model(x.to(device)).float()
    p = F.interpolate(p, size=image.shape[:2], mode="bilinear", align_corners=False)
    return p[0, 0].cpu().numpy()


def _select_score(model: SkinNet, samples: list[Sample], long_side: int) -> float:
    model.eval()
    ious = []
    for s in samples:
        pred = np.where(predict_probability(model, s.image, long_side) > 0.5, 255, 0)
        ious.append(score_masks(pred, s.mask)[0])
    model.train()
    return float(np.mean(ious)) if ious else float("nan")


def load_checkpoint(path: str | Path) -> tuple[SkinNet, dict]:
    """The network in a checkpoint (eval mode, CPU) and the checkpoint's other fields."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    model = SkinNet(build_model(ckpt["arch"]))
    model.net.load_state_dict(ckpt["model"])
    return model.eval(), ckpt


def _warm_start(model: SkinNet, recipe: Recipe, fp: str, *, load: bool) -> str:
    """The sha256 of the checkpoint ``recipe.init``, whose weights are loaded into
    ``model`` when ``load`` (a fresh run; a resumed one has its own weights)."""
    path = Path(recipe.init)
    if not path.is_file():
        raise FileNotFoundError(f"init checkpoint {path} does not exist")
    blob = path.read_bytes()  # read once: hashed, and loaded when needed
    if load:
        ckpt = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=False)
        if ckpt.get("arch") != recipe.arch:
            raise ValueError(f"{path} holds a {ckpt.get('arch')}, the recipe a {recipe.arch}")
        if ckpt.get("data_fingerprint") != fp:
            log.warning("init checkpoint %s was trained on other data", path)
        model.net.load_state_dict(ckpt["model"])
    return hashlib.sha256(blob).hexdigest()


def _write_meta(
    run: Path, recipe: Recipe, fp: str, device: torch.device, split: tuple, init_sha: str = ""
) -> None:
    meta = {
        "git_commit": _git_commit(),
        "data_fingerprint": fp,
        "init_sha256": init_sha or None,
        "train_images": len(split[0]),
        "selection_images": sorted(split[1]),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device)
        + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""),
        "threads": torch.get_num_threads(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (run / "meta.json").write_text(json.dumps(meta, indent=1))


@torch.enable_grad()
def train(
    recipe: Recipe,
    run: str | Path,
    *,
    resume: bool = False,
    progress: Callable[[int, int, dict], None] | None = None,
) -> dict:
    """Train ``recipe`` into the folder ``run``; returns the last epoch's metrics.

    ``resume=True`` continues from ``run/last.pt`` (the recipe may add epochs).
    ``progress(step, steps, info)`` is called after every step of an epoch."""
    run = Path(run)
    if (run / "last.pt").exists() and not resume:
        raise FileExistsError(
            f"{run} already holds a run; pass resume=True (--resume) or a new folder"
        )
    run.mkdir(parents=True, exist_ok=True)
    device = _device(recipe.device)
    if recipe.threads:
        torch.set_num_threads(recipe.threads)
    samples, fp = load_training_set(
        recipe.train_data,
        negatives=recipe.negative_data,
        negatives_max=recipe.negatives_max,
        max_side=recipe.max_side,
    )
    train_names, held_names = split_names([s.name for s in samples], recipe.selection_fraction)
    by_name = {s.name: s for s in samples}
    train_set = [(by_name[n].image, by_name[n].mask) for n in train_names]
    held_set = [by_name[n] for n in held_names]

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        net = build_model(recipe.arch, pretrained=recipe.pretrained and not recipe.init)
        model = SkinNet(net).to(device)
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(
        _param_groups(model.net, recipe.encoder_lr, recipe.frozen),
        lr=recipe.lr,
        weight_decay=recipe.weight_decay,
    )
    init_sha = _warm_start(model, recipe, fp, load=not resume) if recipe.init else ""
    start, step, best = 0, 0, -1.0
    if resume:
        ckpt = torch.load(run / "last.pt", map_location=device, weights_only=False)
        if ckpt["data_fingerprint"] != fp:
            log.warning("resuming on different data than the run started with")
        model.net.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        start, step, best = ckpt["epoch"], ckpt["step"], ckpt["best"]
    (run / "recipe.yaml").write_text(yaml.safe_dump(recipe.to_dict(), sort_keys=False))
    _write_meta(run, recipe, fp, device, (train_names, held_names), init_sha)

    plan = _plan(recipe, len(train_set))
    total = sum(steps for _, steps in plan)
    amp = recipe.amp and device.type == "cuda"
    record: dict = {}
    for epoch in range(start, len(plan)):
        stage, steps = plan[epoch]
        rng = np.random.default_rng([recipe.seed, epoch])
        order = np.concatenate(
            [
                rng.permutation(len(train_set))
                for _ in range(1 + steps * stage.batch // len(train_set))
            ]
        )
        t0, losses = time.perf_counter(), []
        model.train()
        for i in range(steps):
            x, y = _batch(
                train_set,
                order[i * stage.batch : (i + 1) * stage.batch],
                stage.size,
                rng,
                recipe,
                device,
            )
            if device.type == "cpu":
                x = x.contiguous(memory_format=torch.channels_last)
            for group in opt.param_groups:
                group["lr"] = _lr(recipe, step, total) * group.get("scale", 1.0)
            ctx = torch.autocast("cuda", dtype=torch.bfloat16) if amp else contextlib.nullcontext()
            with ctx:
                outputs = model.net((x - model.mean) / model.std)
            loss = deep_supervision_loss(
                outputs, y, side_weight=recipe.side_weight, dice_weight=recipe.dice_weight
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
            if progress:
                rate = (i + 1) * stage.batch / (time.perf_counter() - t0)
                progress(
                    i + 1,
                    steps,
                    {
                        "epoch": epoch + 1,
                        "epochs": len(plan),
                        "size": stage.size,
                        "loss": float(np.mean(losses[-20:])),
                        "img/s": rate,
                    },
                )
        score = _select_score(model, held_set, recipe.eval_size)
        record = {
            "epoch": epoch + 1,
            "size": stage.size,
            "steps": steps,
            "loss": float(np.mean(losses)),
            "selection_miou": round(score, 4),
            "lr": _lr(recipe, step - 1, total),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        ckpt = {
            "arch": recipe.arch,
            "model": model.net.state_dict(),
            "optimizer": opt.state_dict(),
            "epoch": epoch + 1,
            "step": step,
            "best": max(best, score),
            "data_fingerprint": fp,
            "recipe": recipe.to_dict(),
            "metrics": record,
        }
        save_epoch(run, epoch + 1, ckpt, record, improved=score > best, logger=log)
        best = max(best, score)
    return record


def save_epoch(
    run: Path, epoch: int, ckpt: dict, record: dict, *, improved: bool, logger: logging.Logger
) -> None:
    """The end of an epoch in a run folder: ``last.pt`` always and ``best.pt`` when the
    epoch ``improved`` on the best so far (both written atomically), ``record`` appended
    to ``metrics.jsonl`` and logged to ``logger``."""
    _atomic_save(ckpt, run / "last.pt")
    if improved:
        _atomic_save(ckpt, run / "best.pt")
    with open(run / "metrics.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")
    logger.info("epoch %d: %s", epoch, record)


@contextlib.contextmanager
def torch_threads(threads: int):
    """Torch uses ``threads`` threads inside the block (0: as many as before); the count
    it had before is restored after."""
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _atomic_save(obj: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)
