"""``retouch bench batch``: photos per second of ``retouch batch`` on 1 and 2 workers, and
the engine's overhead per photo against the plain single-process command.

``count`` photos of about ``megapixels`` are made from the bundled sample with a seed
(a random crop, flip, exposure and grain each), with a mask of random brush strokes
each. The same task then runs three times on them: ``retouch VERB`` (one process, the
plain command line), and ``retouch batch`` on a local cluster of 1 and of 2 workers.
Cluster start-up is timed apart from the photos. Numbers only; nothing is asserted.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from retouch.bench.large import SAMPLE, stroke_mask
from retouch.core.io import read_image, write_image, write_mask

__all__ = ["format_report", "make_photos", "run"]


def make_photos(
    folder: Path, count: int, megapixels: float, rng: np.random.Generator
) -> list[Path]:
    """``count`` JPEGs of about ``megapixels`` in ``folder/in``, masks in ``folder/masks``.

    Parameters
    ----------
    folder : an existing, empty folder.
    count, megapixels : how many photos, and their size.
    rng : the generator of every crop, flip, exposure, grain and stroke.

    Returns
    -------
    The photo files, sorted.
    """
    (folder / "in").mkdir()
    (folder / "masks").mkdir()
    base = read_image(SAMPLE)
    side = max(16, round(math.sqrt(megapixels * 1e6)))
    big = cv2.resize(base, (side * 5 // 4, side * 5 // 4), interpolation=cv2.INTER_CUBIC)
    paths = []
    for i in range(count):
        y, x = rng.integers(0, big.shape[0] - side + 1, 2)
        crop = big[y : y + side, x : x + side].astype(np.float32)
        crop = crop[:, ::-1] if rng.random() < 0.5 else crop
        crop = crop * rng.uniform(0.85, 1.15) + rng.normal(0, 4, crop.shape)
        paths.append(folder / "in" / f"photo{i:05d}.jpg")
        write_image(paths[-1], np.clip(crop, 0, 255).astype(np.uint8), quality=90)
        write_mask(folder / "masks" / f"photo{i:05d}.png", stroke_mask((side, side), 0.03, rng))
    return paths


def _single(verb: str, folder: Path, flags: list[str]) -> float:
    """Seconds of the plain command line on every photo, in this process."""
    from retouch.cli.main import main

    start = time.perf_counter()
    code = main([verb, str(folder / "in"), "-o", str(folder / "single"), *flags])
    if code != 0:
        raise RuntimeError(f"retouch {verb} exited {code}")
    return time.perf_counter() - start


def _batch(verb: str, folder: Path, workers: int, options: dict[str, Any]) -> dict[str, float]:
    """Seconds to start a local cluster of ``workers`` and to run every photo on it."""
    from retouch.distributed.api import execute, prepare_batch
    from retouch.distributed.cluster import open_client

    out = folder / f"batch{workers}"
    prepared = prepare_batch(verb, str(folder / "in"), str(out), **options)
    start = time.perf_counter()
    with open_client(workers=workers) as client:
        client.wait_for_workers(workers)
        ready = time.perf_counter()
        summary = execute(prepared, client)
    if summary.failed:
        raise RuntimeError(f"{len(summary.failed)} photos failed: {summary.failed[0]}")
    return {"start_s": ready - start, "run_s": summary.seconds}


def run(
    *,
    count: int = 200,
    megapixels: float = 1.0,
    seed: int = 0,
    method: str = "telea",
    workers: tuple[int, ...] = (1, 2),
    keep: Path | None = None,
) -> dict[str, Any]:
    """Erase strokes from ``count`` photos: single process, then batch on each of ``workers``.

    Parameters
    ----------
    count, megapixels, seed : the photos (``make_photos``).
    method : the inpaint method (default telea: cheap, so the engine's share shows).
    workers : the cluster sizes to run ``retouch batch`` on.
    keep : a folder to leave the photos and results in (default: deleted).

    Returns
    -------
    JSON-ready numbers: seconds and photos/s of each run, the ratio of 2 workers'
    throughput to 1 worker's, and the overhead per photo of the engine.
    """
    folder = Path(tempfile.mkdtemp(prefix="retouch-bench-batch-"))
    try:
        make_photos(folder, count, megapixels, np.random.default_rng(seed))
        single = _single("erase", folder, ["--mask", str(folder / "masks"), "--method", method])
        options = {"method": method, "mask": str(folder / "masks")}
        runs = {n: _batch("erase", folder, n, options) for n in workers}
    finally:
        if keep is not None:
            shutil.copytree(folder, keep, dirs_exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
    return _numbers(count, megapixels, method, single, runs)


def _numbers(
    count: int, megapixels: float, method: str, single: float, runs: dict[int, dict]
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "photos": count,
        "megapixels": megapixels,
        "task": "erase",
        "method": method,
        "single_s": single,
        "single_photos_per_s": count / single,
        "batch": {str(n): {**r, "photos_per_s": count / r["run_s"]} for n, r in runs.items()},
    }
    if 1 in runs and 2 in runs:
        result["ratio_2_vs_1"] = runs[1]["run_s"] / runs[2]["run_s"]
    if 1 in runs:
        result["overhead_ms_per_photo"] = 1000 * (runs[1]["run_s"] - single) / count
    return result


def format_report(result: dict[str, Any]) -> str:
    """The numbers of ``run`` as a few lines of text."""
    lines = [
        f"{result['photos']} photos of {result['megapixels']:g} MP, "
        f"{result['task']} --method {result['method']}",
        f"  {'single process (retouch erase)':32} {result['single_s']:7.2f} s  "
        f"{result['single_photos_per_s']:6.2f} photos/s",
    ]
    for n, r in result["batch"].items():
        label = f"retouch batch, {n} worker{'s' if n != '1' else ''}"
        lines.append(
            f"  {label:32} {r['run_s']:7.2f} s  {r['photos_per_s']:6.2f} photos/s"
            f"  (cluster start {r['start_s']:.2f} s, not counted)"
        )
    if "ratio_2_vs_1" in result:
        lines.append(f"  2 workers vs 1: {result['ratio_2_vs_1']:.2f}x the photos per second")
    if "overhead_ms_per_photo" in result:
        lines.append(
            f"  engine overhead (1 worker vs single process): "
            f"{result['overhead_ms_per_photo']:+.1f} ms per photo"
        )
    return "\n".join(lines)
