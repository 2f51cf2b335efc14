"""The command of every transform task (image -> image), e.g. a line-art portrait.

Besides what every task command takes: ``--keep-background`` where a method of the task
has a ``keep_background`` option (it sets that option), ``--svg``, which also writes
the result's dark strokes as vector paths beside each output (``OUTPUT.svg``), and
``--transparent``, which writes the white paper as transparency (ink on a clear sheet).
"""

from __future__ import annotations

import argparse

import numpy as np

from retouch.cli.batch import Job, plan_jobs, run_jobs
from retouch.cli.task_cli import method_options, photo_settings
from retouch.core.registry import create, get, list_methods
from retouch.core.tasks import TaskSpec
from retouch.photo import check_alpha_target, process_photo


def add_transform_arguments(p: argparse.ArgumentParser, spec: TaskSpec) -> None:
    """``--svg``, and ``--keep-background`` when a method of ``spec`` takes that option."""
    if any("keep_background" in m.options for m in list_methods(spec.name)):
        p.add_argument(
            "--keep-background",
            action="store_true",
            help="draw the background too (the method's keep_background option)",
        )
    p.add_argument(
        "--svg",
        action="store_true",
        help="also write the dark strokes of each result as SVG paths (OUTPUT.svg)",
    )
    p.add_argument(
        "--transparent",
        action="store_true",
        help="the white paper as transparency: ink on a transparent sheet (PNG, WebP or TIFF)",
    )


def transform_options(args: argparse.Namespace, spec: TaskSpec) -> dict:
    """``method_options`` with ``--keep-background`` added where the method takes it."""
    options = method_options(args, spec)
    if (
        getattr(args, "keep_background", False)
        and "keep_background" in get(spec.name, args.method).options
    ):
        options.setdefault("keep_background", True)
    return options


def run_transform(args: argparse.Namespace, *, spec: TaskSpec) -> int:
    """Run the task's method on every input and write the image it returns."""
    method = create(spec.name, args.method, **transform_options(args, spec))
    settings = photo_settings(args)
    jobs = plan_jobs(args.inputs, args.output, overwrite=args.overwrite)
    if settings.transparent:  # before any work: every target must hold alpha
        for job in jobs:
            check_alpha_target(job.target)
    svg = getattr(args, "svg", False)

    def work(job: Job) -> None:
        if not svg:
            process_photo(spec, method, job.source, job.target, settings)
            return
        from retouch.lineart.svg import write_svg

        results: list[np.ndarray] = []

        def traced(image: np.ndarray) -> np.ndarray:
            results.append(np.asarray(method(image), np.uint8))
            return results[-1]

        process_photo(spec, traced, job.source, job.target, settings)
        write_svg(job.target.with_suffix(".svg"), results[-1])

    return run_jobs(jobs, work, desc=spec.verb).exit_code()
