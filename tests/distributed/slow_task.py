"""A test-only transform task, ``test-sleep``, whose one method takes a moment a photo.

So that a worker can be killed, or a run interrupted, while photos are in flight.
``install()`` declares it in this process; on Dask workers the ``Install`` plugin (a
cluster of the tests) or ``dask_setup`` (a preload, for a ``retouch batch`` started in a
subprocess with ``DASK_DISTRIBUTED__WORKER__PRELOAD``) does. ``uninstall()`` takes it out
of this process again, so no other test sees a task that does not ship.
"""

from __future__ import annotations

import time
from typing import Annotated

import numpy as np

from retouch.core import registry, tasks
from retouch.core.options import Range

NAME = "test-sleep"
PRELOAD = {"DASK_DISTRIBUTED__WORKER__PRELOAD": '["tests.distributed.slow_task"]'}


def slow_invert(image: np.ndarray, *, seconds: Annotated[float, Range(0, 30)] = 0.3) -> np.ndarray:
    """``255 - image`` after sleeping ``seconds``."""
    time.sleep(seconds)
    return 255 - image


def install() -> None:
    """Declare the task and register its method in this process (once)."""
    if NAME in tasks._TASKS:
        return
    tasks.declare_task(
        tasks.TaskSpec(
            name=NAME, verb=NAME, takes=("image",), returns="image", summary="a slow inversion"
        )
    )
    registry.register(NAME, "invert", "inverts the photo, slowly", default=True)(slow_invert)


def uninstall() -> None:
    """Remove the task from this process's records."""
    tasks._TASKS.pop(NAME, None)
    registry._REGISTRY.pop(NAME, None)


def dask_setup(worker) -> None:
    """Preload hook: runs in each worker process as it starts."""
    install()


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # the batch extra is missing; the tests that need it say so
    WorkerPlugin = object


class Install(WorkerPlugin):
    """Installs the task on every worker, those restarted after a kill included."""

    name = "retouch-test-sleep"

    def setup(self, worker) -> None:
        install()
