"""``retouch bench inpaint``: every method on every image x mask pair, grouped by hole size.

Masks are resized to each image; the hole-ratio bin is measured on the resized
mask (bin B holds ratios in (10B %, 10B+10 %]). Per method and bin it reports
PSNR and SSIM over the hole and the whole image, the perceptual distance
(retouch.bench.perceptual), the seam score (the jump across the hole's border
against the truth's, grey levels, 0 = as the truth) and the grain ratio (fine
texture inside the hole over the ring around it, 1 = same; both in
retouch.bench.metrics), seconds per megapixel and peak memory growth.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from retouch.bench.metrics import PeakMemory, grain_ratio, psnr, seam_score, ssim
from retouch.bench.sheet import contact_sheet, show_hole
from retouch.core.io import read_image, read_mask, write_image
from retouch.core.masks import resize_mask
from retouch.inpaint import erase

log = logging.getLogger(__name__)

COLUMNS = (
    "psnr_hole",
    "ssim_hole",
    "psnr_all",
    "ssim_all",
    "perceptual",
    "seam",
    "grain",
    "s_per_mp",
    "peak_mb",
)

LEGEND = (
    "seam: brightness jump across the hole's border against the truth's at the same pixels, "
    "grey levels (0 = as the truth, lower is better)\n"
    "grain: fine-texture energy inside the hole over the ring around it (1 = same grain)"
)


@dataclass
class Row:
    method: str
    image: str
    mask: str
    bin: int
    ratio: float
    psnr_hole: float
    ssim_hole: float
    psnr_all: float
    ssim_all: float
    perceptual: float
    seam: float
    grain: float
    s_per_mp: float
    peak_mb: float


def pairs(images: list[Path], masks: list[Path], per_bin: int) -> list[tuple[Path, Path]]:
    """Each image with ``per_bin`` masks of each bin (by file name ``binB_*``), deterministic."""
    by_bin: dict[str, list[Path]] = defaultdict(list)
    for m in sorted(masks):
        by_bin[m.name.split("_")[0]].append(m)
    out = []
    for i, img in enumerate(sorted(images)):
        for group in by_bin.values():
            out.extend((img, group[(i * per_bin + j) % len(group)]) for j in range(per_bin))
    return out


def resize_to_megapixels(image: np.ndarray, megapixels: float | None) -> np.ndarray:
    if not megapixels:
        return image
    scale = (megapixels * 1e6 / (image.shape[0] * image.shape[1])) ** 0.5
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)


def measure(method: str, image: np.ndarray, mask: np.ndarray, distance) -> tuple[dict, np.ndarray]:
    """Time one fill, then repeat it under PeakMemory (whose tracemalloc slows Python
    allocations by 8-17 %) for the memory number alone; fills are deterministic."""
    start = time.perf_counter()
    result = erase(image, mask, method=method)
    seconds = time.perf_counter() - start
    with PeakMemory() as mem:
        erase(image, mask, method=method)
    numbers = {
        "psnr_hole": psnr(result, image, mask),
        "ssim_hole": ssim(result, image, mask),
        "psnr_all": psnr(result, image),
        "ssim_all": ssim(result, image),
        "perceptual": distance(result, image) if distance else float("nan"),
        "seam": seam_score(result, image, mask),
        "grain": grain_ratio(result, mask),
        "s_per_mp": seconds / (image.shape[0] * image.shape[1] / 1e6),
        "peak_mb": mem.peak_mb,
    }
    return numbers, result


def run(
    images_dir: Path,
    masks_dir: Path,
    methods: list[str],
    *,
    per_bin: int = 1,
    bins: set[int] | None = None,
    megapixels: float | None = None,
    perceptual: bool = True,
    sheet: Path | None = None,
    progress=None,
) -> list[Row]:
    images = [p for p in Path(images_dir).iterdir() if p.suffix.lower() in (".jpg", ".png")]
    masks = [p for p in Path(masks_dir).iterdir() if p.suffix.lower() == ".png"]
    if bins is not None:
        masks = [p for p in masks if p.name.split("_")[0] in {f"bin{b}" for b in bins}]
    if not images or not masks:
        raise FileNotFoundError(f"no images in {images_dir} or no masks in {masks_dir}")
    _warm_up(methods)
    distance = None
    if perceptual:
        from retouch.bench.perceptual import perceptual_distance as distance
    rows, examples = [], {}
    todo = pairs(images, masks, per_bin)
    for k, (img_path, mask_path) in enumerate(todo):
        image = resize_to_megapixels(read_image(img_path), megapixels)
        mask = resize_mask(read_mask(mask_path), image.shape[:2])
        ratio = float(np.count_nonzero(mask)) / mask.size
        b = min(int(np.ceil(ratio * 10)) - 1, 9)
        results = {}
        for method in methods:
            numbers, fill = measure(method, image, mask, distance)
            results[method] = (fill, numbers)
            rows.append(Row(method, img_path.name, mask_path.name, b, ratio, **numbers))
        if b not in examples and len(examples) < 6:
            examples[b] = (image, mask, results)
        if progress:
            progress(k + 1, len(todo))
    if sheet:
        write_image(sheet, _sheet(examples, methods))
    return rows


def _warm_up(methods: list[str]) -> None:
    """Compile JIT kernels before timing anything."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)
    mask = np.zeros((96, 96), np.uint8)
    mask[30:60, 30:60] = 255
    for method in methods:
        erase(img, mask, method=method)


def _sheet(examples: dict, methods: list[str]) -> np.ndarray:
    """One row per bin: the hole, each method's fill labelled with its seam score and
    grain ratio, and the ground truth."""
    rows = []
    for b in sorted(examples):
        image, mask, results = examples[b]
        row = [(f"hole {100 * np.count_nonzero(mask) / mask.size:.0f}%", show_hole(image, mask))]
        for m in methods:
            fill, numbers = results[m]
            row.append((f"{m} seam {numbers['seam']:.1f} grain {numbers['grain']:.2f}", fill))
        row.append(("ground truth", image))
        rows.append(row)
    return contact_sheet(rows)


def summarise(rows: list[Row]) -> dict:
    """Mean of each column per (method, bin); bins as strings like '10-20%'.

    NaNs (no perceptual distance, a hole too thin for a grain ratio) are left out of
    a mean; a column that is NaN in every row of a group stays NaN. ``n`` counts rows.
    """
    groups: dict[tuple[str, int], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.method, row.bin)].append(row)
    summary: dict = defaultdict(dict)
    for (method, b), group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        stats = {c: _mean([getattr(r, c) for r in group]) for c in COLUMNS}
        stats["n"] = len(group)
        summary[f"{10 * b}-{10 * b + 10}%"][method] = stats
    return dict(summary)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")


def format_table(summary: dict, methods: list[str], baseline: str = "telea") -> str:
    head = (
        f"{'hole':<8} {'method':<11} {'n':>3} {'PSNR hole':>9} {'SSIM hole':>9} "
        f"{'PSNR all':>8} {'SSIM all':>8} {'percept.':>8} {'seam':>6} {'grain':>5} "
        f"{'s/MP':>6} {'x telea':>7} {'peak MB':>7}"
    )
    lines = [head, "-" * len(head)]
    for b, by_method in summary.items():
        base = by_method.get(baseline, {}).get("s_per_mp")
        for method in methods:
            s = by_method.get(method)
            if s is None:
                continue
            ratio = f"{s['s_per_mp'] / base:7.1f}" if base else f"{'-':>7}"
            lines.append(
                f"{b:<8} {method:<11} {s['n']:>3} {s['psnr_hole']:>9.2f} {s['ssim_hole']:>9.3f} "
                f"{s['psnr_all']:>8.2f} {s['ssim_all']:>8.4f} {s['perceptual']:>8.4f} "
                f"{s['seam']:>6.2f} {s['grain']:>5.2f} "
                f"{s['s_per_mp']:>6.2f} {ratio} {s['peak_mb']:>7.0f}"
            )
    return "\n".join(lines)


def save_json(path: Path, rows: list[Row], summary: dict, meta: dict) -> None:
    payload = {"meta": meta, "summary": summary, "rows": [asdict(r) for r in rows]}
    tmp = Path(path).with_suffix(".part")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(path)
