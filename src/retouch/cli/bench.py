"""``retouch bench``: benchmarks that print numbers and ratios (see retouch.bench)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="measure quality, speed and memory")
    p.add_subparsers(dest="bench_task", metavar="TASK", required=True)


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError
