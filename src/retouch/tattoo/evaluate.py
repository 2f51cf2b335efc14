"""Scoring tattoo methods (``retouch eval tattoo --data DIR``) on two kinds of folder.

- Synthetic pairs, as ``retouch synth tattoo`` writes them: ``images/K.jpg`` (the
  tattooed photo), ``clean/K.jpg`` (the same photo without the tattoo) and
  ``masks/K.png`` (where the ink is, 0/255). Scores: the detected mask's IoU,
  precision and recall; PSNR and SSIM of the removal against the clean photo; PSNR
  over the tattoo only (the hole), and that of the tattooed input, for scale.
- Real photos with boxes: ``images/K.jpg`` and ``boxes/K.txt`` (one ``x1 y1 x2 y2`` a
  line, in pixels). Scores: the box hit rate (boxes whose area the mask covers at
  least ``HIT`` of) and the share of mask pixels inside some box.

Scores are summed over the folder (pixels, boxes) where they are counts, averaged
over images where they are ratios (IoU, PSNR, SSIM).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from retouch.bench.metrics import psnr, ssim
from retouch.core.errors import InputError
from retouch.core.io import read_image, read_mask
from retouch.core.registry import create

__all__ = ["HIT", "as_json", "box_scores", "evaluate", "format_table", "mask_scores", "read_boxes"]

HIT = 0.10  # a box counts as found when the mask covers at least this share of it

Box = tuple[int, int, int, int]


def read_boxes(path: Path) -> list[Box]:
    """The boxes of ``path``: one ``x1 y1 x2 y2`` (pixels) a line; blank lines skipped."""
    boxes = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            x1, y1, x2, y2 = (int(float(v)) for v in line.split())
        except ValueError:
            raise InputError(f"{path}:{number}: expected 'x1 y1 x2 y2', got {line!r}") from None
        boxes.append((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    return boxes


def box_scores(mask: np.ndarray, boxes: list[Box], *, hit: float = HIT) -> dict[str, int]:
    """Counts of one photo: boxes, boxes hit, mask pixels, mask pixels inside a box.

    mask: H x W (nonzero = tattoo); boxes in pixels, clipped to the image.
    """
    on = mask > 0
    inside = np.zeros_like(on)
    hits = 0
    for x1, y1, x2, y2 in boxes:
        region = on[max(0, y1) : max(0, y2), max(0, x1) : max(0, x2)]
        hits += region.size > 0 and np.count_nonzero(region) >= hit * region.size
        inside[max(0, y1) : max(0, y2), max(0, x1) : max(0, x2)] = True
    return {
        "boxes": len(boxes),
        "hits": int(hits),
        "mask_px": int(np.count_nonzero(on)),
        "in_box_px": int(np.count_nonzero(on & inside)),
    }


def mask_scores(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """IoU, precision and recall of two H x W masks (nonzero = tattoo); empty vs empty is 1."""
    p, t = pred > 0, truth > 0
    tp, fp, fn = (float(np.count_nonzero(x)) for x in (p & t, p & ~t, ~p & t))
    if tp + fp + fn == 0:
        return {"iou": 1.0, "precision": 1.0, "recall": 1.0}
    return {
        "iou": tp / (tp + fp + fn),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


@dataclass
class TattooEval:
    """Per-photo scores of one method on one folder (``kind``: synthetic or boxes)."""

    method: str
    options: dict
    data: str
    kind: str
    photos: list[dict] = field(default_factory=list)

    def mean(self, key: str) -> float:
        values = [p[key] for p in self.photos if np.isfinite(p.get(key, np.nan))]
        return float(np.mean(values)) if values else float("nan")

    def total(self, key: str) -> int:
        return int(sum(p[key] for p in self.photos))

    def summary(self) -> dict:
        out = {"method": self.method, "options": self.options, "data": self.data}
        out |= {"kind": self.kind, "count": len(self.photos), "seconds": self.mean("seconds")}
        if self.kind == "boxes":
            boxes, mask_px = self.total("boxes"), self.total("mask_px")
            out["boxes"] = boxes
            out["hit_rate"] = self.total("hits") / boxes if boxes else float("nan")
            out["in_box_share"] = self.total("in_box_px") / mask_px if mask_px else float("nan")
            return out
        for key in ("iou", "precision", "recall", "psnr", "ssim", "hole_psnr", "input_hole_psnr"):
            out[key] = self.mean(key)
        return out

    def to_dict(self) -> dict:
        return {**self.summary(), "per_photo": [dict(p) for p in self.photos]}


def _layout(data: Path) -> str:
    if (data / "images").is_dir() and (data / "boxes").is_dir():
        return "boxes"
    if all((data / d).is_dir() for d in ("images", "clean", "masks")):
        return "synthetic"
    raise InputError(
        f"{data}: expected images/ with boxes/ (real photos) or images/, clean/ and masks/ "
        "(pairs written by `retouch synth tattoo`)"
    )


def _items(data: Path, truth: str) -> list[tuple[str, Path, Path]]:
    by_stem = {p.stem: p for p in (data / truth).iterdir() if p.is_file()}
    items = [
        (p.stem, p, by_stem[p.stem])
        for p in sorted((data / "images").iterdir())
        if p.is_file() and p.stem in by_stem
    ]
    if not items:
        raise InputError(f"{data}: no photo in images/ has a file of the same name in {truth}/")
    return items


def _synthetic(method, name: str, image: Path, truth: Path, data: Path) -> dict:
    photo = read_image(image)
    clean = read_image(next((data / "clean").glob(f"{name}.*")))
    want = read_mask(truth)
    start = time.perf_counter()
    mask = method.detect(photo)
    removed = method(photo, mask)
    seconds = time.perf_counter() - start
    hole = want if want.any() else None
    return {
        "name": name,
        **mask_scores(mask, want),
        "psnr": psnr(removed, clean),
        "ssim": ssim(removed, clean),
        "hole_psnr": psnr(removed, clean, hole) if hole is not None else float("nan"),
        "input_hole_psnr": psnr(photo, clean, hole) if hole is not None else float("nan"),
        "seconds": seconds,
    }


def _real(method, name: str, image: Path, boxes: Path) -> dict:
    photo = read_image(image)
    start = time.perf_counter()
    mask = method.detect(photo)
    seconds = time.perf_counter() - start
    return {"name": name, **box_scores(mask, read_boxes(boxes)), "seconds": seconds}


def evaluate(
    method: str | None,
    data: Path,
    *,
    options: dict | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TattooEval:
    """Run tattoo ``method`` on every photo of ``data`` (the first ``limit``) and score it.

    The first photo is run once untimed, so model loading is not counted in speed.
    """
    data = Path(data)
    kind = _layout(data)
    model = create("tattoo", method, **(options or {}))
    items = _items(data, "boxes" if kind == "boxes" else "masks")[:limit]
    result = TattooEval(model.name, options or {}, str(data), kind)
    for i, (name, image, truth) in enumerate(items):
        if i == 0:
            model.detect(read_image(image))
        if kind == "boxes":
            result.photos.append(_real(model, name, image, truth))
        else:
            result.photos.append(_synthetic(model, name, image, truth, data))
        if progress is not None:
            progress(i + 1, len(items))
    return result


def format_table(results: list[TattooEval]) -> str:
    """The summary of each result as a text table (one header per kind of folder)."""
    lines = []
    for kind in ("synthetic", "boxes"):
        rows = [r.summary() for r in results if r.kind == kind]
        if not rows:
            continue
        if kind == "boxes":
            lines.append(
                f"{'method':<16} {'photos':>6} {'boxes':>6} {'hit rate':>8} "
                f"{'in-box':>7} {'s/img':>7}"
            )
            lines += [
                f"{s['method']:<16} {s['count']:>6} {s['boxes']:>6} {s['hit_rate']:>8.3f} "
                f"{s['in_box_share']:>7.3f} {s['seconds']:>7.3f}"
                for s in rows
            ]
            continue
        lines.append(
            f"{'method':<16} {'pairs':>6} {'IoU':>6} {'prec':>6} {'recall':>6} "
            f"{'PSNR':>6} {'SSIM':>6} {'holePSNR':>8} {'input':>6} {'s/img':>7}"
        )
        lines += [
            f"{s['method']:<16} {s['count']:>6} {s['iou']:>6.3f} {s['precision']:>6.3f} "
            f"{s['recall']:>6.3f} {s['psnr']:>6.2f} {s['ssim']:>6.3f} {s['hole_psnr']:>8.2f} "
            f"{s['input_hole_psnr']:>6.2f} {s['seconds']:>7.3f}"
            for s in rows
        ]
    return "\n".join(lines)


def as_json(results: list[TattooEval]) -> list[dict]:
    """Every result with its per-photo scores, JSON-ready."""
    return [asdict(r) | {"summary": r.summary()} for r in results]
