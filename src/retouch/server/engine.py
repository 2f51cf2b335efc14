"""Shared state of one app: the worker pool and the methods built once and reused.

Heavy work (decoding, the method, encoding) runs in a pool of ``workers`` threads so
the event loop keeps answering; requests beyond that wait their turn. Segmentation
methods hold loaded models, so each (task, method, options) is built once and
shared by every request; the models' own locks make sharing them safe.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from retouch.core.registry import Method, create
from retouch.server.errors import RequestTimeoutError
from retouch.server.settings import ServerSettings

__all__ = ["Engine"]

T = TypeVar("T")


class Engine:
    """The thread pool and method cache behind one ``create_app`` app."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self._pool: ThreadPoolExecutor | None = None
        self._methods: dict[tuple, Method] = {}
        self._lock = threading.Lock()

    def method(self, task: str, name: str, **options: Any) -> Method:
        """Method ``name`` of registry task ``task`` with ``options``, built on first use."""
        key = (task, name, tuple(sorted(options.items())))
        with self._lock:
            if key not in self._methods:
                self._methods[key] = create(task, name, **options)
            return self._methods[key]

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the pool; RequestTimeoutError past ``timeout_s``.

        Work still queued at the timeout is cancelled; work already running
        finishes in its thread (Python cannot stop it) and its result is dropped.
        """
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.settings.workers, thread_name_prefix="retouch-worker"
                )
            pool = self._pool
        future = asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        try:
            return await asyncio.wait_for(future, self.settings.timeout_s)
        except TimeoutError:
            raise RequestTimeoutError(
                f"the request took longer than the server's limit of "
                f"{self.settings.timeout_s:g} s; send a smaller image or try again later"
            ) from None

    def close(self) -> None:
        """Stop the pool: queued work is cancelled, running work is not waited for."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
