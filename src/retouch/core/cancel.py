"""Cooperative cancellation: long loops ask ``check_cancelled()``, a caller cancels a scope.

Work that can run for seconds (a fill, a tiled network pass) calls
``check_cancelled()`` between its steps. Whoever started the work holds a
``CancelToken`` and runs the work inside ``cancel_scope(token)``; cancelling the
token (Ctrl-C in the CLI, a timed-out or abandoned request in the server) makes
the next check raise ``Cancelled``, so the work stops within one step and its
memory is freed. Outside any scope the check does nothing.

>>> token = CancelToken()
>>> with cancel_scope(token):
...     token.cancel("stopped by the user")
...     check_cancelled()
Traceback (most recent call last):
...
retouch.core.cancel.Cancelled: stopped by the user
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from retouch.core.errors import RetouchError

__all__ = ["CancelToken", "Cancelled", "cancel_scope", "check_cancelled"]


class Cancelled(RetouchError):
    """The work was cancelled (Ctrl-C, a request's time limit, a client that went away)."""


class CancelToken:
    """A flag that one thread sets and the working thread checks; optional deadline.

    ``deadline_s``: seconds from now after which ``check`` raises as if cancelled
    (``reason`` says the time ran out).
    """

    def __init__(self, *, deadline_s: float | None = None, timeout_reason: str = "") -> None:
        self._event = threading.Event()
        self._reason = "cancelled"
        self._deadline = None if deadline_s is None else time.monotonic() + deadline_s
        self._timeout_reason = timeout_reason or f"stopped after the time limit of {deadline_s} s"

    def cancel(self, reason: str = "cancelled") -> None:
        """Ask the work to stop; the next ``check`` raises ``Cancelled(reason)``."""
        if not self._event.is_set():
            self._reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once ``cancel`` was called or the deadline has passed."""
        if not self._event.is_set() and self._deadline is not None:
            if time.monotonic() >= self._deadline:
                self.cancel(self._timeout_reason)
        return self._event.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` if the work should stop."""
        if self.cancelled:
            raise Cancelled(self._reason)


_current: contextvars.ContextVar[CancelToken | None] = contextvars.ContextVar(
    "retouch_cancel_token", default=None
)


@contextmanager
def cancel_scope(token: CancelToken) -> Iterator[CancelToken]:
    """Run the block with ``token`` as the one ``check_cancelled`` reads (in this thread)."""
    reset = _current.set(token)
    try:
        yield token
    finally:
        _current.reset(reset)


def check_cancelled() -> None:
    """Raise ``Cancelled`` if the enclosing ``cancel_scope``'s token was cancelled."""
    token = _current.get()
    if token is not None:
        token.check()
