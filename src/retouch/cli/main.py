"""Entry point of ``retouch``: builds the parser from the subcommand modules.

Each subcommand lives in its own module of this package with two functions:
``add_parser(subparsers)`` and ``run(args) -> int``. Listing it in SUBCOMMANDS
is all it takes to add one. Errors that retouch raises on purpose are printed
as one line on stderr with a non-zero exit code; nothing else is swallowed.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from retouch import __version__
from retouch.core.errors import RetouchError

SUBCOMMANDS = (
    "methods",
    "erase",
    "bench",
    "person",
    "face",
    "skin",
    "eval",
    "train",
    "serve",
)


class _OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"retouch: {record.levelname.lower()}: {record.getMessage()}"


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(
        prog="retouch", description="Retouch photos of people: erase, segment, remove."
    )
    parser.add_argument("--version", action="version", version=f"retouch {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = {}
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"retouch.cli.{name.replace('-', '_')}")
        module.add_parser(sub)
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter())
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler], force=True
    )
    try:
        return int(modules[args.command].run(args) or 0)
    except RetouchError as exc:
        print(f"retouch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("retouch: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
