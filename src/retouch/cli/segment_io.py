"""The command of every segmentation task (image -> mask): ``retouch person``, ``face``,
``skin`` and any task declared with ``returns="mask"``.

Each writes, per input, a 0/255 mask at the input's full resolution (PNG unless
the output file says otherwise); with ``--soft`` the soft output as 8-bit
(0..255); with ``--overlay`` a tinted view of the mask over the photo for a quick
visual check; with ``--cutout`` the photo with the soft output as alpha, so edges
and hair stay smooth.
"""

from __future__ import annotations

import argparse

from retouch.cli.batch import Job, plan_jobs, run_jobs
from retouch.cli.task_cli import method_options, photo_settings
from retouch.core.errors import InputError
from retouch.core.registry import create
from retouch.core.tasks import TaskSpec
from retouch.photo import process_photo

_ALPHA = (".png", ".webp", ".tif", ".tiff")


def add_segment_arguments(p: argparse.ArgumentParser, spec: TaskSpec) -> None:
    """--soft, and --overlay or --cutout."""
    look = p.add_mutually_exclusive_group()
    look.add_argument(
        "--soft",
        action="store_true",
        help=f"write the soft output as 8-bit (0..255) instead of the 0/255 mask"
        f"{f': {spec.soft}' if spec.soft else ''}",
    )
    look.add_argument(
        "--overlay",
        action="store_true",
        help="write the mask tinted over the photo (a visual check) instead of the mask",
    )
    look.add_argument(
        "--cutout",
        action="store_true",
        help="write the photo with the soft output as its alpha channel (PNG, WebP or TIFF)",
    )


def run_segment(args: argparse.Namespace, *, spec: TaskSpec) -> int:
    """Run the task's method on every input and write masks, soft maps or overlays."""
    method = create(spec.name, args.method, **method_options(args, spec))
    if args.cutout and args.output.suffix and args.output.suffix.lower() not in _ALPHA:
        raise InputError(f"--cutout needs an output that keeps transparency: {', '.join(_ALPHA)}")
    settings = photo_settings(args)
    jobs = plan_jobs(
        args.inputs,
        args.output,
        overwrite=args.overwrite,
        extension=".png",
        masks=not (args.overlay or args.cutout),
    )
    if args.cutout and any(j.target.suffix.lower() not in _ALPHA for j in jobs):
        raise InputError(f"--cutout needs an output that keeps transparency: {', '.join(_ALPHA)}")

    def work(job: Job) -> None:
        process_photo(spec, method, job.source, job.target, settings)

    return run_jobs(jobs, work, desc=spec.verb).exit_code()
