"""Entry point of ``retouch``: one subcommand per declared task, then the tools.

Each task's command (``erase``, ``person``, ...) is built from its record
(``core.tasks``) by ``cli.task_cli``: declaring a task is all it takes to add one.
Every other subcommand lives in its own module of this package with two functions,
``add_parser(subparsers)`` and ``run(args) -> int``, listed in TOOLS (its subcommand
is the module's ``COMMAND`` where it sets one: ``batch_dask`` adds ``batch``). Errors that
retouch raises on purpose, and bad command-line values, are printed as one line on
stderr with exit code 2; Ctrl-C stops the work promptly with exit code 130.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable

from retouch import __version__
from retouch.cli.task_cli import add_task_parser
from retouch.core.cancel import Cancelled
from retouch.core.errors import RetouchError
from retouch.core.tasks import all_tasks

TOOLS = ("methods", "batch_dask", "models", "eval", "bench", "train", "synth", "serve")


class _OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"retouch: {record.levelname.lower()}: {record.getMessage()}"


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: what is wrong, and where the help is."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = _Parser(
        prog="retouch", description="Retouch photos of people: erase, segment, remove."
    )
    parser.add_argument("--version", action="version", version=f"retouch {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    runners: dict[str, Callable[[argparse.Namespace], int]] = {}
    for name in TOOLS[:1]:
        runners.update(_add_tool(sub, name))
    for spec in all_tasks():
        runners[spec.verb] = add_task_parser(sub, spec)
    for name in TOOLS[1:]:
        runners.update(_add_tool(sub, name))
    return parser, runners


def _add_tool(sub, name: str) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add tool ``name``'s subcommand: ``module.COMMAND`` where the module sets one."""
    module = importlib.import_module(f"retouch.cli.{name}")
    module.add_parser(sub)
    return {getattr(module, "COMMAND", name): module.run}


def main(argv: list[str] | None = None) -> int:
    parser, runners = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or one line for a bad value
        return int(exc.code or 0)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter())
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler], force=True
    )
    try:
        return int(runners[args.command](args) or 0)
    except Cancelled as exc:
        print(f"retouch: {exc}", file=sys.stderr)
        return 130
    except RetouchError as exc:
        print(f"retouch: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (head, less) went away: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("retouch: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
