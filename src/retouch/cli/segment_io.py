"""What ``retouch person``, ``face`` and ``skin`` share: method choice, options, outputs.

Each writes, per input, a 0/255 mask at the input's full resolution (PNG unless
the output file says otherwise); with ``--overlay`` a tinted view of the mask
over the photo for a quick visual check; with ``--cutout`` the photo with the
mask as alpha (``retouch person --cutout`` uses the soft confidence, so edges
and hair stay smooth).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

import numpy as np

from retouch.cli.batch import (
    Job,
    add_io_arguments,
    add_option_argument,
    parse_options,
    plan_jobs,
    run_jobs,
)
from retouch.core.errors import InputError
from retouch.core.io import load_image, write_image, write_mask
from retouch.core.registry import Method, create, get, list_methods

log = logging.getLogger("retouch.cli")

_ALPHA = (".png", ".webp", ".tif", ".tiff")


def add_segment_arguments(p: argparse.ArgumentParser, task: str) -> None:
    """INPUT... -o OUTPUT, --method (from the registry), --overlay, -O KEY=VALUE."""
    add_io_arguments(p)
    names = [m.name for m in list_methods(task)]
    p.add_argument(
        "--method",
        choices=names,
        default=get(task).name,
        help=f"{task} method (default: %(default)s); see `retouch methods {task}`",
    )
    look = p.add_mutually_exclusive_group()
    look.add_argument(
        "--overlay",
        action="store_true",
        help="write the mask tinted over the photo (a visual check) instead of the mask",
    )
    look.add_argument(
        "--cutout",
        action="store_true",
        help="write the photo with the mask as its alpha channel (PNG, WebP or TIFF)",
    )
    add_option_argument(p, "a method option, e.g. -O threshold=0.6 (repeatable)")


def build_method(task: str, args: argparse.Namespace, **fixed) -> Method:
    """The chosen method with ``-O`` options (and ``fixed`` ones) bound."""
    return create(task, args.method, **{**parse_options(args.option), **fixed})


def run_segment(
    args: argparse.Namespace, task: str, segment: Callable[[np.ndarray], np.ndarray]
) -> int:
    """Run ``segment(rgb) -> H x W uint8`` on every input and write masks or overlays."""
    from retouch.segment.refine import overlay

    jobs = plan_jobs(args.inputs, args.output, overwrite=args.overwrite, extension=".png")
    if args.cutout and any(j.target.suffix.lower() not in _ALPHA for j in jobs):
        raise InputError(f"--cutout needs an output that keeps transparency: {', '.join(_ALPHA)}")

    def work(job: Job) -> None:
        loaded = load_image(job.source, pixel_limit=args.max_pixels)
        mask = segment(loaded.rgb)
        if not mask.any():
            log.warning("%s: no %s found; the mask is empty", job.source, task)
        if args.overlay:
            write_image(job.target, overlay(loaded.rgb, mask), quality=args.quality)
        elif args.cutout:
            write_image(
                job.target,
                loaded.rgb,
                alpha=mask,
                quality=args.quality,
                icc_profile=loaded.icc_profile,
            )
        else:
            write_mask(job.target, mask)

    return run_jobs(jobs, work, desc=task).exit_code()
