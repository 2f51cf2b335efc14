"""The command of every edit task (image + mask -> image): ``retouch erase`` fills what
a mask covers, as if it had never been there."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from retouch.cli.batch import Job, StepProgress, find_mask, plan_jobs, run_jobs, same_file
from retouch.cli.task_cli import method_options
from retouch.core.errors import InputError
from retouch.core.io import (
    WRITE_EXTENSIONS,
    LoadedImage,
    copy_file,
    load_image,
    read_mask,
    write_image,
)
from retouch.core.masks import resize_mask
from retouch.core.registry import Method, create
from retouch.core.tasks import TaskSpec
from retouch.inpaint.base import MAX_DILATE_PX, MAX_SEED, check_erase_options

log = logging.getLogger("retouch.cli")


def add_edit_arguments(p: argparse.ArgumentParser, spec: TaskSpec) -> None:
    """--mask and --resize-mask; for erase also --dilate, --seed and --source."""
    p.add_argument(
        "--mask",
        required=True,
        type=Path,
        help="mask file (used for every input) or folder of masks named like the inputs;"
        " white, coloured strokes on black, or a PNG's alpha mark what to change",
    )
    p.add_argument(
        "--resize-mask",
        action="store_true",
        help="resize a mask of another size to the image instead of failing",
    )
    if spec.name != "inpaint":
        return
    p.add_argument(
        "--dilate",
        type=int,
        default=0,
        metavar="PX",
        help=f"grow the mask by PX pixels first, 0-{MAX_DILATE_PX} (covers edges and halos)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help=f"random seed, 0-{MAX_SEED} (default 0: reproducible)",
    )
    p.add_argument(
        "--source",
        type=Path,
        default=None,
        help="mask of where fill material may come from (white = allowed)",
    )


def run_edit(args: argparse.Namespace, *, spec: TaskSpec) -> int:
    """Apply the task's method to what each input's mask marks; write the result."""
    # Every option is checked before any file is read.
    method = create(spec.name, args.method, **method_options(args, spec))
    if spec.name == "inpaint":
        check_erase_options(dilate_px=args.dilate, seed=args.seed)
    source_mask = getattr(args, "source", None)
    jobs = plan_jobs(
        args.inputs,
        args.output,
        overwrite=args.overwrite,
        protected=(args.mask, source_mask),
    )
    holes = StepProgress("filling", enabled=len(jobs) == 1)  # a batch has its own bar

    def work(job: Job) -> None:
        loaded = load_image(job.source, pixel_limit=args.max_pixels)
        shape = loaded.rgb.shape[:2]
        mask = _mask_for(find_mask(args.mask, job.source), shape, args)
        if not mask.any():
            _write_unchanged(job, loaded, args)
            return
        if spec.name == "inpaint":
            result = _erase(loaded.rgb, mask, args, method, holes)
        else:
            result = method(loaded.rgb, mask)
        holes.close()
        write_image(
            job.target,
            result,
            alpha=loaded.alpha,
            quality=args.quality,
            icc_profile=loaded.icc_profile,
            exif=loaded.exif,
        )

    return run_jobs(jobs, work, desc=spec.verb).exit_code()


def _erase(
    rgb: np.ndarray, mask: np.ndarray, args: argparse.Namespace, method: Method, holes
) -> np.ndarray:
    from retouch.inpaint import erase  # imported here: numba loads only when filling

    source = None if args.source is None else _mask_for(args.source, rgb.shape[:2], args)
    options = {"seed": args.seed, **method.options}  # -O seed=N is --seed N
    return erase(
        rgb,
        mask,
        method=method.name,
        dilate_px=args.dilate,
        source=source,
        progress=holes,
        **options,
    )


def _write_unchanged(job: Job, loaded: LoadedImage, args: argparse.Namespace) -> None:
    """An empty mask: the input file itself where the format stays, else re-encoded."""
    if WRITE_EXTENSIONS.get(job.target.suffix.lower()) == loaded.format.upper():
        log.warning("%s: the mask is empty; the file is copied unchanged", job.source)
        if not same_file(job.source, job.target):
            copy_file(job.source, job.target)
        return
    log.warning("%s: the mask is empty; the image is written unchanged", job.source)
    write_image(
        job.target,
        loaded.rgb,
        alpha=loaded.alpha,
        quality=args.quality,
        icc_profile=loaded.icc_profile,
        exif=loaded.exif,
    )


def _mask_for(path: Path, shape: tuple[int, int], args: argparse.Namespace) -> np.ndarray:
    mask = read_mask(path, pixel_limit=args.max_pixels)
    if mask.shape != shape:
        if not args.resize_mask:
            raise InputError(
                f"{path}: the mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
                f"{shape[1]}x{shape[0]}; pass --resize-mask to stretch it to the image"
            )
        mask = resize_mask(mask, shape)
    return mask
