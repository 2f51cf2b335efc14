"""``retouch face``: masks of face regions (skin, eyes, brows, lips) from the face mesh."""

from __future__ import annotations

import argparse

from retouch.cli.segment_io import add_segment_arguments, build_method, run_segment


def add_parser(sub) -> None:
    from retouch.segment.face.parts import PARTS

    p = sub.add_parser(
        "face",
        help="masks of face regions (skin, eyes, brows, lips)",
        description="Find every face, fit the 468-point face mesh and write "
        "the mask of the chosen region of all faces.",
    )
    add_segment_arguments(p, "face")
    p.add_argument(
        "--part",
        choices=PARTS,
        default="skin",
        help="which region (default: %(default)s; all = the whole face)",
    )


def run(args: argparse.Namespace) -> int:
    method = build_method("face", args, part=args.part)
    return run_segment(args, "face", method)
