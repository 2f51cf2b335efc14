"""The Dask client of a batch: a cluster of this machine, or one that is already running.

``open_client()`` without a scheduler starts a ``LocalCluster`` of worker processes with
one thread each, every server of it (scheduler, nannies, workers, the HTTP endpoint)
bound to 127.0.0.1, and stops it when the batch ends. With ``scheduler="tcp://HOST:PORT"``
it joins a cluster started elsewhere (``dask scheduler`` and ``dask worker``).
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from retouch.core.errors import InputError

__all__ = ["DEFAULT_RETRIES", "INSTALL", "default_workers", "open_client", "require_dask"]

INSTALL = "pip install 'retouch[batch]'"
DEFAULT_RETRIES = 3
_CONNECT_TIMEOUT = "15s"


def require_dask() -> Any:
    """The ``distributed`` module, or InputError naming the extra that provides it."""
    try:
        import distributed
    except ImportError as exc:
        raise InputError(f"retouch batch needs Dask ({exc}): {INSTALL}") from None
    return distributed


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def open_client(
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    dashboard: bool = False,
    retries: int = DEFAULT_RETRIES,
) -> Iterator[Any]:
    """A ``distributed.Client``, closed (and a local cluster stopped) on the way out.

    Parameters
    ----------
    scheduler : the address of a running scheduler; None starts a local cluster.
    workers : worker processes of the local cluster (default: the number of cores).
    dashboard : serve Dask's dashboard (needs bokeh) on 127.0.0.1, on a free port.
    retries : how often a photo whose worker died is run again (the local
        scheduler's ``allowed-failures``; a running scheduler keeps its own).

    Returns
    -------
    A context manager yielding the client.
    """
    distributed = require_dask()
    if scheduler is not None:
        client = _connect(distributed, scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    if dashboard and importlib.util.find_spec("bokeh") is None:
        raise InputError("--dashboard needs bokeh, which Dask draws it with: pip install bokeh")
    cluster = _local_cluster(distributed, workers or default_workers(), dashboard, retries)
    try:
        with distributed.Client(cluster) as client:
            from retouch.distributed.worker import IgnoreCtrlC

            client.register_plugin(IgnoreCtrlC())
            yield client
    finally:
        cluster.close()


def _connect(distributed: Any, scheduler: str) -> Any:
    try:
        return distributed.Client(scheduler, timeout=_CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None


def _local_cluster(distributed: Any, workers: int, dashboard: bool, retries: int) -> Any:
    """``workers`` processes of one thread each, everything on 127.0.0.1."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": retries}):
        return distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # the scheduler's HTTP endpoint, loopback only
            scheduler_kwargs={"dashboard": dashboard},
            silence_logs=logging.ERROR,
        )
