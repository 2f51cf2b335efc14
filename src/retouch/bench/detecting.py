"""The speed measurement shared by the benches of tasks that find their own mask
(``retouch bench tattoo``, ``retouch bench people``): one photo, file to file."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from retouch.core.io import read_image, write_image
from retouch.core.registry import Method
from retouch.core.tasks import TaskSpec
from retouch.photo import PhotoSettings, process_photo

__all__ = ["time_photo", "wall_and_cpu"]


def wall_and_cpu(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``fn()``: on a busy machine the CPU
    seconds say more about what an idle one would take."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def time_photo(spec: TaskSpec, model: Method, image: np.ndarray, workdir: Path, index: int) -> dict:
    """``image`` (H x W x 3 uint8) written as a JPEG in ``workdir`` and put through the
    task's file-to-file step (``process_photo``: read, detect, fill, write), timed whole
    (wall and CPU) and in its parts: detection, and detection plus fill (in memory, each on
    a mirrored copy so no step reuses what another found). The first photo (``index`` 0)
    is run once untimed first, so loading models and JIT compilation do not count.

    Returns the size, the share of the photo the detected mask covers (``share``) and the
    seconds: ``end_to_end_s``, ``end_to_end_cpu_s``, ``detect_s``, ``remove_s``."""
    source, target = workdir / f"{index}.jpg", workdir / f"{index}_out.jpg"
    write_image(source, image, quality=92)
    image = read_image(source)
    if index == 0:
        model(image[::-1, ::-1].copy())  # load the models, compile, untimed
    step = partial(process_photo, spec, model, source, target, PhotoSettings())
    wall, cpu = wall_and_cpu(step)
    mask = model.detect(image)
    return {
        "width": image.shape[1],
        "height": image.shape[0],
        "share": round(float(np.count_nonzero(mask)) / mask.size, 4),
        "end_to_end_s": wall,
        "end_to_end_cpu_s": cpu,
        "detect_s": wall_and_cpu(partial(model.detect, image[:, ::-1].copy()))[0],
        "remove_s": wall_and_cpu(partial(model, image[::-1].copy()))[0],
    }
