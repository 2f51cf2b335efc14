"""Scoring people removal on composites (``retouch eval people --data ../shared/data``).

A composite is one or two people of ``person/dev`` (photo and mask) scaled to 35-60 %
of the height of a clean photo of ``inpaint/dev/images`` and pasted with a soft edge
(the mask blurred by a Gaussian of sigma 0.6-1.2 px, so the portrait's own backdrop
mixes into a 2-3 px ramp, as a real cut-out does), the portrait's bottom edge (it ends
at the chest) on the photo's bottom edge. The clean photo is the truth.
Everything is drawn from ``np.random.default_rng(seed)``: the same seed, the same
composites. Photos that show people themselves (``PEOPLE_IN_PHOTO``) are not clean
truth for removing every person and are never used as backgrounds.

Per composite and method, and for the baseline (``retouch person`` then ``retouch
erase --dilate 6``, ``baseline_removal``):

- ``left``: share of the pasted person's pixels (alpha > 0.02, halo included) unchanged;
- ``core_left``: the same for alpha >= 0.5 (the person without the halo);
- ``far``: share of the pixels farther than 24 px from the pasted people that changed;
- ``perceptual``: perceptual distance (``bench.perceptual``) of the result to the truth;
- ``psnr``: PSNR against the truth over the person (alpha > 0.02) and ``seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from retouch.bench.metrics import psnr
from retouch.core.errors import InputError
from retouch.core.io import read_image, read_mask
from retouch.core.registry import create

__all__ = [
    "PEOPLE_IN_PHOTO",
    "Composite",
    "as_json",
    "baseline_removal",
    "evaluate",
    "format_table",
    "make_composites",
    "score",
]

# Kodak photos of inpaint/dev that show people (portraits, riders, sailors, rafters).
PEOPLE_IN_PHOTO = frozenset(f"kodak_kodim{k:02d}" for k in (4, 5, 9, 10, 12, 14, 15, 18))
FAR_PX = 24
COLUMNS = ("left", "core_left", "far", "perceptual", "psnr", "seconds")


@dataclass
class Composite:
    name: str
    image: np.ndarray  # H x W x 3 uint8: the people pasted with a soft edge
    truth: np.ndarray  # H x W x 3 uint8: the clean photo
    alpha: np.ndarray  # H x W float32 [0, 1]: the pasted people


def _cut_out(path: Path, masks: Path) -> tuple[np.ndarray, np.ndarray]:
    """The person of ``path`` cropped to its mask (8 px of margin): image, 0/255 mask."""
    fg, mask = read_image(path), read_mask(masks / f"{path.stem}.png")
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        raise InputError(f"{masks / path.stem}.png is empty: no person to paste")
    y0, y1 = max(0, ys.min() - 8), min(mask.shape[0], ys.max() + 9)
    x0, x1 = max(0, xs.min() - 8), min(mask.shape[1], xs.max() + 9)
    return fg[y0:y1, x0:x1], mask[y0:y1, x0:x1]


def _paste(
    image: np.ndarray, alpha: np.ndarray, fg: np.ndarray, mask: np.ndarray, left: float, rng
) -> None:
    """Paste ``fg`` (its ``mask``) into ``image`` in place, its centre at ``left`` (a
    fraction of the width), its bottom on the photo's bottom edge; ``alpha`` gets its
    opacity. The portraits end at the chest: pasted higher, they would be heads
    floating in the air, under which any person model (trained on photos of people,
    whose bodies go on below the head) draws a body."""
    h, w = image.shape[:2]
    scale = min(rng.uniform(0.35, 0.6) * h / fg.shape[0], 0.45 * w / fg.shape[1])
    size = (max(8, round(fg.shape[1] * scale)), max(8, round(fg.shape[0] * scale)))
    fg = cv2.resize(fg, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    hard = cv2.resize(mask.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_AREA) >= 0.5
    soft = cv2.GaussianBlur(hard.astype(np.float32), (0, 0), rng.uniform(0.6, 1.2))
    x = int(np.clip(left * w - size[0] / 2, 0, w - size[0]))
    y = h - size[1]
    a = soft[..., None]
    region = image[y : y + size[1], x : x + size[0]].astype(np.float32)
    image[y : y + size[1], x : x + size[0]] = np.clip(np.rint(a * fg + (1 - a) * region), 0, 255)
    np.maximum(
        alpha[y : y + size[1], x : x + size[0]], soft, out=alpha[y : y + size[1], x : x + size[0]]
    )


def make_composites(data: Path, count: int, *, seed: int = 0) -> list[Composite]:
    """``count`` composites from ``data`` (``person/dev``, ``inpaint/dev/images``); every
    other one holds two people (left and right), the rest one."""
    people, masks = data / "person" / "dev" / "images", data / "person" / "dev" / "masks"
    persons = sorted(people.glob("*.jpg"))
    backs = [
        p
        for p in sorted((data / "inpaint" / "dev" / "images").glob("*.*"))
        if p.stem not in PEOPLE_IN_PHOTO and p.suffix.lower() in (".jpg", ".png")
    ]
    if not persons or not backs:
        raise InputError(f"{data}: needs person/dev/images and inpaint/dev/images photos")
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        back = backs[i % len(backs)]
        truth = read_image(back)
        image, alpha = truth.copy(), np.zeros(truth.shape[:2], np.float32)
        picks = rng.choice(len(persons), size=1 + i % 2, replace=False)
        spots = [rng.uniform(0.3, 0.7)] if len(picks) == 1 else [0.25, 0.75]
        for k, left in zip(picks, spots, strict=True):
            fg, mask = _cut_out(persons[int(k)], masks)
            _paste(image, alpha, fg, mask, left, rng)
        names = "+".join(persons[int(k)].stem[4:16] for k in picks)
        out.append(Composite(f"{names}@{back.stem[6:]}", image, truth, alpha))
    return out


def baseline_removal(image: np.ndarray) -> np.ndarray:
    """What a user had before: ``retouch person`` then ``retouch erase --dilate 6``."""
    from retouch.inpaint import erase

    mask = create("person")(image)
    return erase(image, mask, dilate_px=6) if mask.any() else image.copy()


def score(comp: Composite, result: np.ndarray, seconds: float, *, perceptual: bool) -> dict:
    """The numbers of one removal of ``comp`` (see the module's docstring)."""
    person = comp.alpha > 0.02
    changed = (result != comp.image).any(axis=2)
    far = cv2.distanceTransform(np.where(person, 0, 1).astype(np.uint8), cv2.DIST_L2, 5) > FAR_PX
    row = {
        "composite": comp.name,
        "left": float(np.mean(~changed[person])),
        "core_left": float(np.mean(~changed[comp.alpha >= 0.5])),
        "far": float(np.mean(changed[far])),
        "psnr": psnr(result, comp.truth, person),
        "seconds": seconds,
        "perceptual": float("nan"),
    }
    if perceptual:
        from retouch.bench.perceptual import perceptual_distance

        row["perceptual"] = perceptual_distance(result, comp.truth)
    return row


@dataclass
class PeopleEval:
    """One method's rows (one per composite) and the baseline's, on the same composites."""

    method: str
    rows: list[dict] = field(default_factory=list)
    baseline: list[dict] = field(default_factory=list)

    def mean(self, key: str, *, baseline: bool = False) -> float:
        values = [r[key] for r in (self.baseline if baseline else self.rows)]
        return float(np.nanmean(values)) if values else float("nan")


def _timed(fn: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def evaluate(
    method: str,
    data: Path,
    *,
    options: dict | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 0,
    baseline: bool = True,
    perceptual: bool = True,
) -> PeopleEval:
    """Score ``method`` (and the baseline) on ``limit`` composites (default 16) of ``data``
    (the shared data folder: ``person/dev`` and ``inpaint/dev/images``)."""
    model = create("people", method, **(options or {}))
    comps = make_composites(Path(data), limit or 16, seed=seed)
    result = PeopleEval(method)
    for i, comp in enumerate(comps):
        out, seconds = _timed(lambda comp=comp: model(comp.image))
        result.rows.append(score(comp, out, seconds, perceptual=perceptual))
        if baseline:
            out, seconds = _timed(lambda comp=comp: baseline_removal(comp.image))
            result.baseline.append(score(comp, out, seconds, perceptual=perceptual))
        if progress is not None:
            progress(i + 1, len(comps))
    return result


def format_table(results: list[PeopleEval]) -> str:
    """One line per method and one for the baseline: means over the composites."""
    head = (
        f"{'method':<30} {'n':>3} {'person left':>11} {'core left':>9} {'far changed':>11} "
        f"{'perceptual':>10} {'PSNR':>6} {'s':>6}"
    )
    lines = [head]
    for r in results:
        sets = [(r.method, False)] + (
            [("baseline: person + erase -d 6", True)] if r.baseline else []
        )
        for name, base in sets:
            n = len(r.baseline if base else r.rows)
            m = {c: r.mean(c, baseline=base) for c in COLUMNS}
            lines.append(
                f"{name:<30} {n:>3} {m['left']:>11.2%} {m['core_left']:>9.2%} {m['far']:>11.3%} "
                f"{m['perceptual']:>10.4f} {m['psnr']:>6.2f} {m['seconds']:>6.2f}"
            )
    lines.append(
        "bar: person left < 1 %, far changed < 1 %, perceptual below the baseline's "
        f"(far: farther than {FAR_PX} px from the pasted people)"
    )
    return "\n".join(lines)


def as_json(results: list[PeopleEval]) -> list[dict]:
    """Every row, JSON-ready."""
    return [
        {
            "method": r.method,
            "summary": {c: r.mean(c) for c in COLUMNS},
            "baseline_summary": {c: r.mean(c, baseline=True) for c in COLUMNS},
            "rows": r.rows,
            "baseline": r.baseline,
        }
        for r in results
    ]
