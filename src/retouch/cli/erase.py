"""``retouch erase``: fill what a mask covers, as if it had never been there."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from retouch.cli.batch import (
    Job,
    StepProgress,
    add_io_arguments,
    add_option_argument,
    find_mask,
    parse_options,
    plan_jobs,
    run_jobs,
)
from retouch.core.errors import InputError
from retouch.core.io import load_image, read_mask, write_image
from retouch.core.masks import resize_mask
from retouch.core.registry import create, get, list_methods

log = logging.getLogger("retouch.cli")


def add_parser(sub) -> None:
    names = [m.name for m in list_methods("inpaint")]
    p = sub.add_parser(
        "erase",
        help="fill masked areas from their surroundings",
        description="Fill the painted areas of photos so they look untouched.",
    )
    add_io_arguments(p)
    p.add_argument(
        "--mask",
        required=True,
        type=Path,
        help="mask file (used for every input) or folder of masks named like the inputs;"
        " white, coloured strokes on black, or a PNG's alpha mark what to fill",
    )
    p.add_argument(
        "--method",
        choices=names,
        default=get("inpaint").name,
        help="fill method (default: %(default)s); see `retouch methods inpaint`",
    )
    p.add_argument(
        "--dilate",
        type=int,
        default=0,
        metavar="PX",
        help="grow the mask by PX pixels first (covers edges and halos)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0: reproducible)")
    p.add_argument(
        "--source",
        type=Path,
        default=None,
        help="mask of where fill material may come from (white = allowed)",
    )
    p.add_argument(
        "--resize-mask",
        action="store_true",
        help="resize a mask of another size to the image instead of failing",
    )
    add_option_argument(p, "a method option, e.g. -O patch_size=9 (repeatable)")


def run(args: argparse.Namespace) -> int:
    from retouch.inpaint import erase  # imported here: numba loads only when filling

    options = parse_options(args.option)
    create("inpaint", args.method, **options)  # unknown options fail here, before any file
    jobs = plan_jobs(args.inputs, args.output, overwrite=args.overwrite)
    holes = StepProgress("filling", enabled=len(jobs) == 1)  # a batch has its own bar

    def work(job: Job) -> None:
        loaded = load_image(job.source, pixel_limit=args.max_pixels)
        shape = loaded.rgb.shape[:2]
        mask = _mask_for(find_mask(args.mask, job.source), shape, args)
        source = None if args.source is None else _mask_for(args.source, shape, args)
        if not mask.any():
            log.warning("%s: the mask is empty; the image is written unchanged", job.source)
        result = (
            erase(
                loaded.rgb,
                mask,
                method=args.method,
                dilate_px=args.dilate,
                seed=args.seed,
                source=source,
                progress=holes,
                **options,
            )
            if mask.any()
            else loaded.rgb
        )
        holes.close()
        write_image(
            job.target,
            result,
            alpha=loaded.alpha,
            quality=args.quality,
            icc_profile=loaded.icc_profile,
        )

    return run_jobs(jobs, work, desc="erase").exit_code()


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
