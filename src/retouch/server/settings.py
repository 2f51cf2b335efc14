"""What the operator of ``retouch serve`` can set: address and limits, in one object."""

from __future__ import annotations

import os
from dataclasses import dataclass

from retouch.core.errors import InputError

__all__ = ["ServerSettings"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class ServerSettings:
    """Address and limits of the HTTP API.

    ``max_upload_bytes``: largest request body (image + mask + fields), else 413.
    ``max_pixels``: largest decoded image (width x height), else 413.
    ``timeout_s``: longest a request may wait for and run its work, else 503.
    ``workers``: images processed at the same time (a thread pool); more wait in turn.

    >>> ServerSettings(port=8000).url
    'http://127.0.0.1:8000'
    """

    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 50_000_000
    timeout_s: float = 300.0
    workers: int = _default_workers()

    def __post_init__(self) -> None:
        for name in ("max_upload_bytes", "max_pixels", "workers"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.timeout_s > 0:
            raise InputError(f"timeout_s must be positive, got {self.timeout_s}")
        if not 0 <= self.port <= 65535:
            raise InputError(f"port must be between 0 and 65535, got {self.port}")

    @property
    def loopback(self) -> bool:
        """True when the server is reachable from this machine only."""
        return self.host in LOOPBACK

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
