"""Shared state of one app: the worker pool, the pixel budget and the methods built once.

Heavy work (decoding, the method, encoding) runs in a pool of ``workers`` threads so
the event loop keeps answering; requests beyond that wait their turn. Before it is
queued, a request reserves the pixels of its largest upload (read from the file's
header, nothing decoded) from a budget shared by all requests, so the decoded
images in memory stay under ``max_pixels_in_flight`` however many requests come.

Each request's work runs inside ``cancel_scope`` with a token whose deadline is the
request's time limit; the token is also cancelled when the client goes away or the
app shuts down, so the work stops at its next ``check_cancelled()``. Segmentation
methods hold loaded models, so each (task, method, options) is built once and
shared by every request; the models' own locks make sharing them safe.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from retouch.core.cancel import CancelToken, cancel_scope
from retouch.core.errors import LimitError
from retouch.core.registry import Method, create
from retouch.server.errors import RequestTimeoutError
from retouch.server.settings import ServerSettings

__all__ = ["Engine", "PixelBudget"]

T = TypeVar("T")

# Methods (with their options) kept built; the least recently used goes first.
METHOD_CACHE = 32

# How often a waiting request asks whether its client is still connected.
DISCONNECT_POLL_S = 0.2


class Client(Protocol):
    """What ``Engine.run`` needs of a request (Starlette's ``Request`` has it)."""

    async def is_disconnected(self) -> bool: ...


class PixelBudget:
    """Pixels of decoded images in flight across all requests, at most ``limit``.

    First come, first served: a big request waiting for room is not overtaken by
    smaller ones that arrive after it. Use it from the event loop's thread only.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    async def acquire(self, pixels: int) -> None:
        """Take ``pixels``, waiting for room as long as the caller lets it wait."""
        if not self._waiting and self.used + pixels <= self.limit:
            self.used += pixels
            return
        granted = asyncio.get_running_loop().create_future()
        self._waiting.append((pixels, granted))
        try:
            await granted
        except BaseException:
            if granted.done() and not granted.cancelled():
                self.release(pixels)  # granted just as the caller gave up
            else:
                if (pixels, granted) in self._waiting:
                    self._waiting.remove((pixels, granted))
                self._grant()
            raise

    def release(self, pixels: int) -> None:
        """Give ``pixels`` back; the requests waiting in turn that now fit go on."""
        self.used -= pixels
        self._grant()

    def _grant(self) -> None:
        while self._waiting and self.used + self._waiting[0][0] <= self.limit:
            pixels, granted = self._waiting.popleft()
            if not granted.done():
                self.used += pixels
                granted.set_result(None)


class Engine:
    """The thread pool, pixel budget and method cache behind one ``create_app`` app."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.budget = PixelBudget(settings.max_pixels_in_flight)
        self._pool: ThreadPoolExecutor | None = None
        self._methods: dict[tuple, Method] = {}
        self._tokens: set[CancelToken] = set()
        self._lock = threading.Lock()

    def method(self, task: str, name: str, **options: Any) -> Method:
        """Method ``name`` of registry task ``task`` with ``options``, built on first use.

        The last ``METHOD_CACHE`` distinct (task, method, options) are kept, so clients
        sending ever new ``options`` cannot grow the server's memory without bound.
        """
        key = (task, name, tuple(sorted(options.items())))
        with self._lock:
            method = self._methods.pop(key, None)
            if method is None:
                method = create(task, name, **options)
            self._methods[key] = method  # most recently used last
            while len(self._methods) > METHOD_CACHE:
                del self._methods[next(iter(self._methods))]
            return method

    async def run(
        self, fn: Callable[..., T], *args: Any, pixels: int = 0, client: Client | None = None
    ) -> T:
        """Run ``fn(*args)`` in the pool, cancellable, holding ``pixels`` of the budget.

        Past ``timeout_s`` (waiting for room, for a worker, and working) it cancels
        the work and raises RequestTimeoutError; when ``client`` disconnects it
        cancels the work and raises ``Cancelled``. Queued work is dropped, running
        work stops at its next ``check_cancelled()``, and its pixels go back to the
        budget when its thread is done with them. LimitError when ``pixels`` is
        more than the whole budget.
        """
        self._check_budget(pixels)
        timeout = self.settings.timeout_s
        message = (
            f"the request took longer than the server's limit of {timeout:g} s; "
            "send a smaller image or try again later"
        )
        token = CancelToken(deadline_s=timeout, timeout_reason=message)
        started = False
        limit = asyncio.timeout(timeout)
        try:
            async with limit:
                await self._reserve(pixels, token, client)
                started = True
                work = asyncio.wrap_future(self._submit(token, fn, args, pixels))
                return await self._until_done(work, token, client)
        except TimeoutError:
            if not limit.expired():
                raise  # the work itself raised it
            token.cancel(message)
            raise RequestTimeoutError(message if started else self._busy(message)) from None
        finally:
            token.cancel("the request is over")  # no-op when the work is done

    def _check_budget(self, pixels: int) -> None:
        limit = self.budget.limit
        if pixels > limit:
            raise LimitError(
                f"the image is {_size(pixels)}, more than the server works on at once "
                f"({_size(limit)}); send a smaller image (the server's limit is set "
                "with `retouch serve --max-pixels-in-flight`)"
            )

    def _busy(self, message: str) -> str:
        return (
            f"{message} (it waited its turn behind {_size(self.budget.used)} of other "
            f"images; the server works on at most {_size(self.budget.limit)} at once)"
        )

    async def _reserve(self, pixels: int, token: CancelToken, client: Client | None) -> None:
        """Take ``pixels`` from the budget; given back if the request gives up meanwhile."""
        if not pixels:
            return
        taking = asyncio.ensure_future(self.budget.acquire(pixels))
        try:
            await self._until_done(taking, token, client)
        except BaseException:
            if taking.done() and not taking.cancelled() and taking.exception() is None:
                self.budget.release(pixels)
            raise

    def _submit(
        self, token: CancelToken, fn: Callable[..., T], args: tuple, pixels: int
    ) -> Future[T]:
        """Queue ``fn(*args)`` in the pool; ``pixels`` go back once its thread is done."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.settings.workers, thread_name_prefix="retouch-worker"
                )
            try:
                work = self._pool.submit(_scoped, token, fn, args)
            except RuntimeError:  # the pool is shut down
                self.budget.release(pixels)
                raise
            self._tokens.add(token)

        def done(_: Future) -> None:
            with self._lock:
                self._tokens.discard(token)
            if pixels:
                try:
                    loop.call_soon_threadsafe(self.budget.release, pixels)
                except RuntimeError:  # the loop is closed: the app is gone
                    pass

        work.add_done_callback(done)
        return work

    async def _until_done(
        self, step: asyncio.Future[T], token: CancelToken, client: Client | None
    ) -> T:
        """Await ``step``, cancelling it (and the work) if ``client`` disconnects or time is up."""
        try:
            while True:
                done, _ = await asyncio.wait({step}, timeout=DISCONNECT_POLL_S)
                if done:
                    return step.result()
                if client is not None and await client.is_disconnected():
                    token.cancel("the client closed the connection")
                    token.check()  # raises Cancelled
        except BaseException:
            step.cancel()
            raise

    def close(self) -> None:
        """Stop the pool: queued work is dropped, running work cancelled, not waited for."""
        with self._lock:
            pool, self._pool = self._pool, None
            tokens, self._tokens = list(self._tokens), set()
        for token in tokens:
            token.cancel("the server is shutting down")
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _scoped(token: CancelToken, fn: Callable[..., T], args: tuple) -> T:
    """``fn(*args)`` in a worker thread, with ``token`` as its cancel scope."""
    token.check()  # cancelled while it waited for a worker: do not start
    with cancel_scope(token):
        return fn(*args)


def _size(pixels: int) -> str:
    """``"49.0 MP"``, or ``"7680 pixels"`` below 0.1 MP."""
    return f"{pixels / 1e6:.1f} MP" if pixels >= 100_000 else f"{pixels} pixels"
