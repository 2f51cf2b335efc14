"""``retouch serve``: the HTTP API on localhost, documented at /docs."""

from __future__ import annotations

import argparse
import math

from retouch.core.errors import InputError, RetouchError


def add_parser(sub) -> None:
    from retouch.server.settings import ServerSettings

    d = ServerSettings()
    p = sub.add_parser(
        "serve",
        help="run the HTTP API (docs at /docs)",
        description="Serve erase, person, face and skin over HTTP (FastAPI). "
        "Binds to 127.0.0.1 unless --host says otherwise, and answers only requests "
        "for this machine's loopback names (or --allow-host) from its own pages "
        "(or --allow-origin).",
    )
    p.add_argument("--host", default=d.host, help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=d.port, help="port (default: %(default)s)")
    p.add_argument("--open", action="store_true", help="open the web page in a browser")
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name or address (repeatable; * for any)",
    )
    p.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let pages of this origin (http://host:port) call the API (repeatable; * for any)",
    )
    p.add_argument(
        "--max-upload-mb",
        type=float,
        default=d.max_upload_bytes / 2**20,
        help="largest request body in MiB (default: %(default)g)",
    )
    p.add_argument(
        "--max-pixels",
        default=str(d.max_pixels),
        help="largest image in pixels, e.g. 50e6 (default: %(default)s)",
    )
    p.add_argument(
        "--max-pixels-in-flight",
        default=None,
        help="pixels of all images processed at once; more wait (default: 2 x --max-pixels)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=d.timeout_s,
        help="seconds a request may wait and work; then 503, its work is stopped "
        "(default: %(default)g)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=d.workers,
        help="images processed at once (default: %(default)d)",
    )


def settings_from_args(args: argparse.Namespace) -> dict:
    """``ServerSettings`` fields from ``args``; InputError naming the first bad option."""
    from retouch.core.io import parse_pixel_count

    _check_numbers(args)
    _check_names(args)
    in_flight = args.max_pixels_in_flight
    return {
        "host": args.host,
        "port": args.port,
        "max_upload_bytes": int(args.max_upload_mb * 2**20),
        "max_pixels": parse_pixel_count(args.max_pixels, source="--max-pixels"),
        "max_pixels_in_flight": None
        if in_flight is None
        else parse_pixel_count(in_flight, source="--max-pixels-in-flight"),
        "timeout_s": args.timeout,
        "workers": args.workers,
        "allow_hosts": tuple(args.allow_host),
        "allow_origins": tuple(args.allow_origin),
    }


def _check_numbers(args: argparse.Namespace) -> None:
    """Each number in the units it was given in (MiB, seconds), not the settings' bytes."""
    checks = (
        ("--max-upload-mb", args.max_upload_mb, args.max_upload_mb * 2**20 >= 1, "more than 0 MiB"),
        ("--timeout", args.timeout, args.timeout > 0, "more than 0 seconds"),
        ("--workers", args.workers, args.workers >= 1, "at least 1"),
        ("--port", args.port, 0 <= args.port <= 65535, "between 0 and 65535"),
    )
    for flag, value, ok, wanted in checks:
        if isinstance(value, float) and not (ok and math.isfinite(value)):
            raise InputError(f"{flag} must be {wanted}, got {value:g}")
        if not ok:
            raise InputError(f"{flag} must be {wanted}, got {value}")


def _check_names(args: argparse.Namespace) -> None:
    from retouch.server.settings import normalize_host, normalize_origin

    for flag, values, normalize in (
        ("--allow-host", args.allow_host, normalize_host),
        ("--allow-origin", args.allow_origin, normalize_origin),
    ):
        for value in values:
            try:
                normalize(value)
            except InputError as exc:
                raise InputError(f"{flag}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from retouch.server.settings import ServerSettings

    settings = ServerSettings(**settings_from_args(args))
    try:
        from retouch.server import serve
    except ImportError as exc:
        raise RetouchError(
            f"the HTTP API needs the serve extra ({exc.name} is missing): pip install -e '.[serve]'"
        ) from None
    serve(settings, open_browser=args.open)
    return 0
