"""``retouch bench people``: the bar of people removal, measured.

- Speed: composites with two people (``retouch.people.evaluate.make_composites``, the
  odd ones) scaled to the requested megapixels and written as JPEG; each photo file goes
  through the step of ``retouch remove-people`` (``process_photo``: read, find, fill,
  write), timed as a whole (wall and CPU) and in its parts (finding; finding and fill).
  The first photo is run once untimed, so loading models and JIT compilation do not count.
- Quality (unless ``quality=False``): ``evaluate`` on ``count`` composites, against the
  baseline (``retouch person`` then ``retouch erase --dilate 6``).

Numbers only: the bar (<= 4 s for 1 MP with two people on CPU) is read, never asserted.
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
from retouch.people.evaluate import make_composites
from retouch.photo import PhotoSettings, process_photo

__all__ = ["format_speed", "run_speed"]


def _scaled(image: np.ndarray, megapixels: float) -> np.ndarray:
    f = np.sqrt(megapixels * 1e6 / (image.shape[0] * image.shape[1]))
    size = (round(image.shape[1] * f), round(image.shape[0] * f))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC if f > 1 else cv2.INTER_AREA)


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_speed(
    data: Path,
    *,
    photos: int = 3,
    megapixels: float = 1.0,
    method: str | None = None,
    progress: Callable[[], None] | None = None,
) -> list[dict]:
    """One row per two-person composite of ``data``: size, hole share and
    seconds end to end (wall, CPU), of finding and of finding plus fill (in memory, on
    mirrored copies so no step reuses another's people)."""
    spec = get_task("people")
    comps = [c for c in make_composites(data, 2 * photos, seed=0) if c.name.count("+")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="retouch-bench-people-") as tmp:
        for i, comp in enumerate(comps[:photos]):
            model = create("people", method)  # a fresh one: no people cached
            source, target = Path(tmp) / f"{i}.jpg", Path(tmp) / f"{i}_out.jpg"
            write_image(source, _scaled(comp.image, megapixels), quality=92)
            image = read_image(source)
            if i == 0:
                model(image[::-1, ::-1].copy())  # load the models, compile, untimed
            wall, cpu = _time(partial(process_photo, spec, model, source, target, PhotoSettings()))
            mask = model.detect(image)
            rows.append(
                {
                    "photo": comp.name,
                    "width": image.shape[1],
                    "height": image.shape[0],
                    "hole_share": round(float(np.count_nonzero(mask)) / mask.size, 4),
                    "end_to_end_s": wall,
                    "end_to_end_cpu_s": cpu,
                    "find_s": _time(partial(model.detect, image[:, ::-1].copy()))[0],
                    "remove_s": _time(partial(model, image[::-1].copy()))[0],
                }
            )
            if progress is not None:
                progress()
    return rows


def format_speed(rows: list[dict]) -> str:
    """Per photo, then the median and the worst."""
    lines = [
        f"{'photo':<34} {'size':>10} {'hole':>6} {'find s':>7} {'remove s':>9} "
        f"{'end-to-end s':>13} {'(CPU s)':>8}"
    ]
    for r in rows:
        size = f"{r['width']}x{r['height']}"
        lines.append(
            f"{r['photo'][:34]:<34} {size:>10} {r['hole_share']:>6.1%} "
            f"{r['find_s']:>7.2f} {r['remove_s']:>9.2f} {r['end_to_end_s']:>13.2f} "
            f"{r['end_to_end_cpu_s']:>8.2f}"
        )
    ends = [r["end_to_end_s"] for r in rows]
    cpus = [r["end_to_end_cpu_s"] for r in rows]
    lines.append(
        f"median {np.median(ends):.2f} s (CPU {np.median(cpus):.2f} s), worst {max(ends):.2f} s "
        f"end to end per photo ({len(rows)} photos; bar: <= 4 s for 1 MP, two people, CPU)"
    )
    return "\n".join(lines)
