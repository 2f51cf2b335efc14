"""The command of every transform task (image -> image), e.g. a line-art portrait."""

from __future__ import annotations

import argparse

import numpy as np

from retouch.cli.batch import Job, plan_jobs, run_jobs
from retouch.cli.task_cli import method_options
from retouch.core.io import load_image, write_image
from retouch.core.registry import create
from retouch.core.tasks import TaskSpec


def run_transform(args: argparse.Namespace, *, spec: TaskSpec) -> int:
    """Run the task's method on every input and write the image it returns."""
    method = create(spec.name, args.method, **method_options(args, spec))
    jobs = plan_jobs(args.inputs, args.output, overwrite=args.overwrite)

    def work(job: Job) -> None:
        loaded = load_image(job.source, pixel_limit=args.max_pixels)
        result = np.asarray(method(loaded.rgb), np.uint8)
        same_size = result.shape[:2] == loaded.rgb.shape[:2]
        write_image(
            job.target,
            result,
            alpha=loaded.alpha if same_size else None,
            quality=args.quality,
            icc_profile=loaded.icc_profile,
            exif=loaded.exif,
        )

    return run_jobs(jobs, work, desc=spec.verb).exit_code()
