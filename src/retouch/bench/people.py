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
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retouch.bench.detecting import time_photo
from retouch.bench.inpaint import resize_to_megapixels
from retouch.core.registry import create
from retouch.core.tasks import get_task
from retouch.people.evaluate import make_composites

__all__ = ["format_speed", "run_speed"]


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
            image = resize_to_megapixels(comp.image, megapixels)
            row = {"photo": comp.name, **time_photo(spec, model, image, Path(tmp), i)}
            row["hole_share"], row["find_s"] = row.pop("share"), row.pop("detect_s")
            rows.append(row)
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
