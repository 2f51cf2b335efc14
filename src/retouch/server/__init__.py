"""The HTTP API (``retouch serve``): FastAPI app factory, settings and runner.

Needs the ``serve`` extra: ``pip install -e '.[serve]'``. ``ServerSettings`` imports
without it (the CLI reads its defaults); ``create_app`` and ``serve`` load FastAPI.
"""

from __future__ import annotations

from typing import Any

from retouch.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name in ("create_app", "serve"):
        from retouch.server import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
