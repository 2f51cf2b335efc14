"""``retouch skin``: skin masks, by colour rules, the learned colour table or face-adaptive."""

from __future__ import annotations

import argparse

from retouch.cli.segment_io import add_segment_arguments, build_method, run_segment


def add_parser(sub) -> None:
    p = sub.add_parser(
        "skin",
        help="masks of visible skin",
        description="Segment skin. The default `adaptive` method learns each "
        "photo's skin colour from the faces in it.",
    )
    add_segment_arguments(p, "skin")


def run(args: argparse.Namespace) -> int:
    return run_segment(args, "skin", build_method("skin", args))
