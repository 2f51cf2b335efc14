"""``retouch bench tattoo``: seconds to remove the tattoos of a 1 MP photo, end to end.

Each photo (the real tattoo photos of ``../shared/data/tattoo/dev`` by default) is
scaled to the requested megapixels and written as a JPEG; then the photo file goes
through the same step as ``retouch tattoo`` (``process_photo``: read, detect, fill,
write), timed as a whole and in its parts (detection; detection and fill). The first
photo is run once untimed, so loading the models and JIT compilation do not count.
Numbers only: the bar (<= 3 s for 1 MP on CPU) is read from them, never asserted.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from retouch.core.io import read_image, write_image
from retouch.core.registry import create
from retouch.core.tasks import get_task
from retouch.photo import PhotoSettings, process_photo

__all__ = ["format_table", "run"]


def _scaled(path: Path, megapixels: float) -> np.ndarray:
    image = read_image(path)
    f = np.sqrt(megapixels * 1e6 / (image.shape[0] * image.shape[1]))
    size = (round(image.shape[1] * f), round(image.shape[0] * f))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC if f > 1 else cv2.INTER_AREA)


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``fn()``: on a busy machine the CPU
    seconds say more about what an idle one would take."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(
    photos: list[Path],
    *,
    method: str | None = None,
    megapixels: float = 1.0,
    progress: Callable[[], None] | None = None,
) -> list[dict]:
    """One row per photo: its size, the tattoo share found and the seconds of the whole
    file-to-file step (wall and CPU), of detection and of detection and fill (in memory,
    each on a mirrored copy so no step reuses another's skin mask)."""
    spec, model = get_task("tattoo"), create("tattoo", method)
    rows = []
    with tempfile.TemporaryDirectory(prefix="retouch-bench-tattoo-") as tmp:
        for i, path in enumerate(photos):
            image = _scaled(path, megapixels)
            source, target = Path(tmp) / f"{i}.jpg", Path(tmp) / f"{i}_out.jpg"
            write_image(source, image, quality=92)
            image = read_image(source)
            if i == 0:
                model(image[::-1, ::-1].copy())  # load the models, compile, untimed
            wall, cpu = _time(partial(process_photo, spec, model, source, target, PhotoSettings()))
            mask = model.detect(image)
            rows.append(
                {
                    "photo": path.name,
                    "width": image.shape[1],
                    "height": image.shape[0],
                    "tattoo_share": round(float(np.count_nonzero(mask)) / mask.size, 4),
                    "end_to_end_s": wall,
                    "end_to_end_cpu_s": cpu,
                    "detect_s": _time(partial(model.detect, image[:, ::-1].copy()))[0],
                    "remove_s": _time(partial(model, image[::-1].copy()))[0],
                }
            )
            if progress is not None:
                progress()
    return rows


def format_table(rows: list[dict]) -> str:
    """Per photo, then the median and the worst."""
    lines = [
        f"{'photo':<12} {'size':>10} {'tattoo':>7} {'detect s':>9} {'remove s':>9} "
        f"{'end-to-end s':>13} {'(CPU s)':>8}"
    ]
    for r in rows:
        size = f"{r['width']}x{r['height']}"
        lines.append(
            f"{r['photo']:<12} {size:>10} {r['tattoo_share']:>7.1%} {r['detect_s']:>9.2f} "
            f"{r['remove_s']:>9.2f} {r['end_to_end_s']:>13.2f} {r['end_to_end_cpu_s']:>8.2f}"
        )
    ends = [r["end_to_end_s"] for r in rows]
    cpus = [r["end_to_end_cpu_s"] for r in rows]
    lines.append(
        f"median {np.median(ends):.2f} s (CPU {np.median(cpus):.2f} s), worst {max(ends):.2f} s "
        f"end to end per photo ({len(rows)} photos; bar: <= 3 s for 1 MP on CPU)"
    )
    return "\n".join(lines)
