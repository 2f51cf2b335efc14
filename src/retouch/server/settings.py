"""What the operator of ``retouch serve`` can set: address, names and limits, in one object.

Also how host names and origins are compared (``split_host``, ``normalize_origin``),
so the settings and the middleware that applies them read them alike.

>>> split_host("[::1]:7860"), split_host("LocalHost"), split_host("::1")
(('::1', '7860'), ('localhost', None), ('::1', None))
>>> normalize_origin("HTTP://Example.com:80/")
'http://example.com'
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from retouch.core.errors import InputError

__all__ = ["LOOPBACK", "ServerSettings", "normalize_host", "normalize_origin", "split_host"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORTS = {"http": "80", "https": "443"}


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def split_host(value: str) -> tuple[str, str | None]:
    """``(host, port)`` of a ``Host`` header or host name, lower case; port None if absent."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
    else:  # a name, or an IPv6 address without brackets (and so without a port)
        host, port = value, ""
    return host.rstrip("."), port or None


def normalize_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case, without a default port or a trailing ``/``.

    ``*`` (any origin) and ``null`` (sandboxed pages, ``file:``) are kept as they are;
    InputError for anything else that is not an http(s) origin.
    """
    value = value.strip().lower().rstrip("/")
    if value in ("*", "null"):
        return value
    scheme, sep, netloc = value.partition("://")
    if not sep or scheme not in DEFAULT_PORTS or not netloc or "/" in netloc:
        raise InputError(
            f"{value!r} is not an origin; write it as scheme://host[:port], "
            "e.g. http://localhost:3000"
        )
    host, port = split_host(netloc)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if port in (None, DEFAULT_PORTS[scheme]) else f":{port}")


@dataclass(frozen=True)
class ServerSettings:
    """Address, accepted names and limits of the HTTP API.

    ``max_upload_bytes``: largest request body (image + mask + fields), else 413.
    ``max_pixels``: largest decoded image (width x height), else 413.
    ``max_pixels_in_flight``: pixels of the images all requests work on at once
    (default ``2 * max_pixels``); a request waits for room (503 past its timeout),
    one larger than the whole budget gets 413.
    ``timeout_s``: longest a request may wait for and run its work, else 503 (the
    work is cancelled).
    ``workers``: images processed at the same time (a thread pool); more wait in turn.
    ``allow_hosts``: names besides the loopback ones and ``host`` that requests may
    carry in ``Host`` (``*``: any), else 403. ``allow_origins``: origins besides the
    server's own whose pages may call the API (``*``: any), else 403.

    >>> ServerSettings(port=8000).url
    'http://127.0.0.1:8000'
    >>> ServerSettings(max_pixels=10).max_pixels_in_flight
    20
    """

    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 50_000_000
    timeout_s: float = 300.0
    workers: int = _default_workers()
    max_pixels_in_flight: int | None = None
    allow_hosts: tuple[str, ...] = ()
    allow_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_pixels_in_flight is None:
            object.__setattr__(self, "max_pixels_in_flight", 2 * self.max_pixels)
        for name in ("max_upload_bytes", "max_pixels", "max_pixels_in_flight", "workers"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.timeout_s > 0:
            raise InputError(f"timeout_s must be positive, got {self.timeout_s}")
        if not 0 <= self.port <= 65535:
            raise InputError(f"port must be between 0 and 65535, got {self.port}")
        hosts = tuple(normalize_host(h) for h in _as_tuple(self.allow_hosts, "allow_hosts"))
        origins = tuple(normalize_origin(o) for o in _as_tuple(self.allow_origins, "allow_origins"))
        object.__setattr__(self, "allow_hosts", hosts)
        object.__setattr__(self, "allow_origins", origins)

    @property
    def loopback(self) -> bool:
        """True when the server is reachable from this machine only."""
        return self.host in LOOPBACK

    @property
    def accepted_hosts(self) -> tuple[str, ...]:
        """Every name a request's ``Host`` may carry: loopback, the bound host, ``allow_hosts``."""
        names = (*LOOPBACK, self.host.strip("[]").lower(), *self.allow_hosts)
        return tuple(dict.fromkeys(names))

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def _as_tuple(values: tuple[str, ...] | list[str] | str, name: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InputError(f"{name} must be a tuple of strings, got the string {values!r}")
    return tuple(values)


def normalize_host(value: str) -> str:
    """An ``allow_hosts`` entry as the middleware compares it: ``name``, ``name:port`` or ``*``."""
    if value.strip() == "*":
        return "*"
    if "/" in value or not value.strip():
        raise InputError(
            f"{value!r} is not a host name; give a name or address such as "
            "photos.example or 192.168.1.5 (optionally with :port), or * for any"
        )
    host, port = split_host(value)
    if port is not None and not port.isdigit():
        raise InputError(f"{value!r}: the port must be a number")
    host = f"[{host}]" if ":" in host else host
    return host if port is None else f"{host}:{port}"
