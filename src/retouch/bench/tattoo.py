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
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retouch.bench.detecting import time_photo
from retouch.bench.inpaint import resize_to_megapixels
from retouch.core.io import read_image
from retouch.core.registry import create
from retouch.core.tasks import get_task

__all__ = ["format_table", "run"]


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
            image = resize_to_megapixels(read_image(path), megapixels)
            row = {"photo": path.name, **time_photo(spec, model, image, Path(tmp), i)}
            row["tattoo_share"] = row.pop("share")
            rows.append(row)
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
