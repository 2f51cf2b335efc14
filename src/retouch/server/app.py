"""The HTTP API of retouch: ``create_app(settings)`` builds it, ``serve`` runs it.

Every endpoint is documented at ``/docs`` (a local page drawn from the OpenAPI schema
at ``/openapi.json``)::

    from retouch.server import ServerSettings, create_app
    app = create_app(ServerSettings(max_pixels=20_000_000, workers=2))

Each app owns its worker pool, pixel budget and method cache (``Engine``), closed
when the app shuts down, so several apps (tests) can live in one process. It
answers only requests that name it in ``Host`` and come from its own pages or
``allow_origins`` (``hosts.py``); a test client sending ``Host: testserver`` needs
``ServerSettings(allow_hosts=("testserver",))``.
"""

from __future__ import annotations

import logging
import threading
import time
import webbrowser
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from retouch import __version__
from retouch.server.engine import Engine
from retouch.server.errors import install_error_handlers
from retouch.server.hosts import HostOriginMiddleware
from retouch.server.jobs import Jobs
from retouch.server.limits import BodyLimitMiddleware
from retouch.server.routes import build_router, tidy_openapi
from retouch.server.settings import ServerSettings

__all__ = ["create_app", "serve"]

log = logging.getLogger("retouch.server")

# The web page (plain HTML, CSS and JS; package data, no build step).
STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """Erase what a mask marks, and masks of people, faces and skin.

Send a multipart form (`image`, `mask` for erase, `method`, the method's `options` as a
JSON object); get a PNG or JPEG back (the `format` field or the `Accept` header).
Errors are JSON: `{"error": "..."}`. `GET /api/v1/methods` lists every task, its
methods and their options with their ranges.
"""


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """A FastAPI app serving API v1 under ``settings`` (defaults: ``ServerSettings()``)."""
    settings = settings or ServerSettings()
    engine = Engine(settings)
    jobs = Jobs(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.close()
        engine.close()

    app = FastAPI(
        title="retouch",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load Swagger UI and ReDoc from a CDN: ours is local
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.jobs = jobs
    install_error_handlers(app)
    # The last added runs first: names and origins are checked before the body is read.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_upload_bytes)
    if settings.allow_origins:  # let the allowed pages read the answers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.allow_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Prefer"],
        )
    app.add_middleware(
        HostOriginMiddleware, hosts=settings.accepted_hosts, origins=settings.allow_origins
    )
    app.include_router(build_router(engine, jobs))
    _add_web_page(app)
    _tidy_schema(app)
    return app


def _tidy_schema(app: FastAPI) -> None:
    """Serve the OpenAPI schema as FastAPI builds it, less what this API never answers."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = tidy_openapi(build())
        return app.openapi_schema

    app.openapi = openapi


def _add_web_page(app: FastAPI) -> None:
    """The editor page at ``/``, the API's docs at ``/docs`` (drawn from
    ``/openapi.json`` by a local script, no CDN), the icon; files under ``/static``."""

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def serve(settings: ServerSettings, *, open_browser: bool = False) -> None:
    """Run the API and web page with uvicorn until interrupted; ``open_browser`` opens ``/``."""
    import uvicorn

    if not settings.loopback:
        log.warning(
            "listening on %s: anyone who can reach this machine can use the API", settings.host
        )
    if settings.host in ("0.0.0.0", "::") and not settings.allow_hosts:
        log.warning(
            "requests are answered only when they name %s; add --allow-host NAME for each "
            "name or address this machine is reached by",
            ", ".join(settings.accepted_hosts),
        )
    config = uvicorn.Config(
        create_app(settings), host=settings.host, port=settings.port, log_level="info"
    )
    server = uvicorn.Server(config)
    if open_browser:
        url = f"{settings.url}/"
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    server.run()


def _open_when_up(server, url: str, wait_s: float = 30.0) -> None:
    """Open ``url`` in a browser once uvicorn is listening (gives up after ``wait_s``)."""
    deadline = time.monotonic() + wait_s
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    if server.started:
        webbrowser.open(url)
