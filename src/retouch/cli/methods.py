"""``retouch methods``: every registered method of every task, one line each."""

from __future__ import annotations

import argparse

from retouch.core.registry import list_methods, tasks


def add_parser(sub) -> None:
    p = sub.add_parser("methods", help="list the methods of every task")
    p.add_argument("task", nargs="?", choices=tasks(), help="only this task")


def run(args: argparse.Namespace) -> int:
    for info in list_methods(args.task):
        mark = "*" if info.default else " "
        print(f"{info.task:<10} {info.name:<12}{mark} {info.summary}")
    print("(* = default)")
    return 0
