"""``retouch methods``: every registered method of every task, one line each (or JSON)."""

from __future__ import annotations

import argparse
import json

from retouch.core.registry import list_methods, tasks


def add_parser(sub) -> None:
    p = sub.add_parser("methods", help="list the methods of every task")
    p.add_argument("task", nargs="?", choices=tasks(), help="only this task")
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON: per method its task, name, default, summary, options and weights",
    )


def run(args: argparse.Namespace) -> int:
    methods = list_methods(args.task)
    if args.json:
        print(json.dumps({"methods": [m.describe() for m in methods]}, indent=2))
        return 0
    for info in methods:
        mark = "*" if info.default else " "
        print(f"{info.task:<10} {info.name:<12}{mark} {info.summary}")
    print("(* = default)")
    return 0
