"""``retouch serve``: the HTTP API on localhost, documented at /docs."""

from __future__ import annotations

import argparse

from retouch.core.errors import RetouchError


def add_parser(sub) -> None:
    from retouch.server.settings import ServerSettings

    d = ServerSettings()
    p = sub.add_parser(
        "serve",
        help="run the HTTP API (docs at /docs)",
        description="Serve erase, person, face and skin over HTTP (FastAPI). "
        "Binds to 127.0.0.1 unless --host says otherwise.",
    )
    p.add_argument("--host", default=d.host, help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=d.port, help="port (default: %(default)s)")
    p.add_argument("--open", action="store_true", help="open the web page in a browser")
    p.add_argument(
        "--max-upload-mb",
        type=float,
        default=d.max_upload_bytes / 2**20,
        help="largest request body in MiB (default: %(default)g)",
    )
    p.add_argument(
        "--max-pixels",
        type=int,
        default=d.max_pixels,
        help="largest image in pixels (default: %(default)d)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=d.timeout_s,
        help="seconds a request may take (default: %(default)g)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=d.workers,
        help="images processed at once (default: %(default)d)",
    )


def run(args: argparse.Namespace) -> int:
    from retouch.server.settings import ServerSettings

    settings = ServerSettings(
        host=args.host,
        port=args.port,
        max_upload_bytes=int(args.max_upload_mb * 2**20),
        max_pixels=args.max_pixels,
        timeout_s=args.timeout,
        workers=args.workers,
    )
    try:
        from retouch.server import serve
    except ImportError as exc:
        raise RetouchError(
            f"the HTTP API needs the serve extra ({exc.name} is missing): pip install -e '.[serve]'"
        ) from None
    serve(settings, open_browser=args.open)
    return 0
