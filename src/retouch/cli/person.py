"""``retouch person``: masks of every person in photos."""

from __future__ import annotations

import argparse

from retouch.cli.segment_io import add_segment_arguments, build_method, run_segment


def add_parser(sub) -> None:
    p = sub.add_parser(
        "person",
        help="masks of the people in photos (0/255, full resolution)",
        description="Segment every person, including small figures in group "
        "photos. Writes 0/255 masks at the input's resolution.",
    )
    add_segment_arguments(p, "person")
    p.add_argument(
        "--soft",
        action="store_true",
        help="write the 8-bit confidence (0..255) instead of a 0/255 mask",
    )


def run(args: argparse.Namespace) -> int:
    method = build_method("person", args)
    soft = args.soft or args.cutout  # a cutout's alpha keeps the soft edges
    return run_segment(args, "person", lambda rgb: method(rgb, soft=soft))
