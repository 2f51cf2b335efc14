"""Which requests the server answers at all, by their ``Host`` and ``Origin`` headers.

A browser lets any web page send a form to ``http://127.0.0.1:7860``, and a page
whose name is re-pointed at 127.0.0.1 (DNS rebinding) could even read the answers.
So the server answers only requests whose ``Host`` is one of its own names (the
loopback names, the address it binds to, ``allow_hosts``) and, of the requests a
page sends (those with an ``Origin`` header), only those from its own origin (the
origin's host and port are the ``Host``) or from ``allow_origins``. Every other
request gets 403 before its body is read.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from retouch.core.errors import InputError
from retouch.server.limits import send_json_error
from retouch.server.settings import DEFAULT_PORTS, normalize_origin, split_host

__all__ = ["HostOriginMiddleware"]


class HostOriginMiddleware:
    """ASGI middleware: 403 (JSON) to a request for another host or from another origin.

    ``hosts``: names the server answers to (``*``: any); an entry with a port
    matches that port only, one without a port any port. ``origins``: origins
    besides the server's own whose pages may call it (``*``: any).
    """

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str], origins: Iterable[str]) -> None:
        self.app = app
        self.hosts = {split_host(h) for h in hosts}
        self.origins = {normalize_origin(o) for o in origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1")
        origin = headers.get(b"origin")
        error = self._host_error(host)
        if error is None and origin is not None:
            error = self._origin_error(origin.decode("latin-1"), host)
        if error is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await send_json_error(send, 403, error)

    def _host_error(self, host: str) -> str | None:
        name, port = split_host(host)
        if ("*", None) in self.hosts or {(name, None), (name, port)} & self.hosts:
            return None
        if not name:
            return "the request has no Host header; send one that names this server"
        shown = f"[{name}]" if ":" in name else name
        return (
            f"this server does not answer requests for the host {shown!r}; to reach it "
            f"under that name on purpose, start it with `retouch serve --allow-host {shown}` "
            "(ServerSettings(allow_hosts=...))"
        )

    def _origin_error(self, origin: str, host: str) -> str | None:
        try:
            origin = normalize_origin(origin)
        except InputError:
            pass  # not an http(s) origin: only "*" allows it
        if "*" in self.origins or origin in self.origins or _same_origin(origin, host):
            return None
        return (
            f"requests from pages at {origin} are refused: it is not this server's own "
            f"origin; to let that page use the API, start the server with "
            f"`retouch serve --allow-origin {origin}` (ServerSettings(allow_origins=...))"
        )


def _same_origin(origin: str, host: str) -> bool:
    """True when ``origin`` (normalized) names the host and port of the ``Host`` header."""
    scheme, sep, netloc = origin.partition("://")
    if not sep or scheme not in DEFAULT_PORTS:
        return False
    default = DEFAULT_PORTS[scheme]
    (o_host, o_port), (h_host, h_port) = split_host(netloc), split_host(host)
    return o_host == h_host and (o_port or default) == (h_port or default)
