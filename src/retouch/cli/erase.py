"""The command of every edit task (image + mask -> image): ``retouch erase`` fills what
a mask covers, as if it had never been there.

A task that detects its own mask (``TaskSpec.detects``: ``retouch tattoo``) takes
``--mask`` only when the user has one, and ``--mask-only`` (write the 0/255 mask it
found instead of the result) and ``--save-mask DIR`` (write it beside the result).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from retouch.cli.batch import Job, StepProgress, find_mask, plan_jobs, run_jobs
from retouch.cli.task_cli import method_options, photo_settings
from retouch.core.errors import InputError, OutputError
from retouch.core.registry import create
from retouch.core.tasks import TaskSpec
from retouch.inpaint.base import MAX_DILATE_PX, MAX_HALO_PX, MAX_SEED, check_erase_options
from retouch.photo import process_photo

log = logging.getLogger("retouch.cli")


def add_edit_arguments(
    p: argparse.ArgumentParser, spec: TaskSpec, *, path_type: type = Path
) -> None:
    """--mask and --resize-mask; for erase also --dilate, --grow-halo, --seed and --source.

    ``path_type`` is what --mask and --source are parsed as (``str`` for URLs).
    """
    p.add_argument(
        "--mask",
        required=spec.needs_mask,
        default=None,
        type=path_type,
        help="mask file (used for every input) or folder of masks named like the inputs;"
        " white, coloured strokes on black, or a PNG's alpha mark what to change"
        + (f" (default: the {spec.detects} is found in each photo)" if spec.detects else ""),
    )
    p.add_argument(
        "--resize-mask",
        action="store_true",
        help="resize a mask of another size to the image instead of failing",
    )
    if spec.detects and path_type is Path:  # the task's own command, not `retouch batch`
        p.add_argument(
            "--mask-only",
            action="store_true",
            help=f"write the 0/255 mask of the {spec.detects} (PNG) instead of the result",
        )
        p.add_argument(
            "--save-mask",
            type=Path,
            default=None,
            metavar="DIR",
            help=f"also write each photo's mask of the {spec.detects} into DIR (STEM.png)",
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
        "--grow-halo",
        type=int,
        default=0,
        metavar="PX",
        help="then grow it up to PX pixels over the object's anti-aliased edge or glow "
        f"that the background does not explain, 0-{MAX_HALO_PX} (default 0: off)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help=f"random seed, 0-{MAX_SEED} (default 0: reproducible)",
    )
    p.add_argument(
        "--source",
        type=path_type,
        default=None,
        help="mask of where fill material may come from (white = allowed)",
    )


def run_edit(args: argparse.Namespace, *, spec: TaskSpec) -> int:
    """Apply the task's method to what each input's mask marks; write the result."""
    # Every option is checked before any file is read.
    method = create(spec.name, args.method, **method_options(args, spec))
    if spec.name == "inpaint":
        check_erase_options(dilate_px=args.dilate, seed=args.seed, grow_halo=args.grow_halo)
    settings = photo_settings(args)
    source_mask = getattr(args, "source", None)
    mask_only = getattr(args, "mask_only", False)
    jobs = plan_jobs(
        args.inputs,
        args.output,
        overwrite=args.overwrite,
        protected=(args.mask, source_mask),
        extension=".png" if mask_only else None,
        masks=mask_only,
    )
    save_masks = _plan_saved_masks(getattr(args, "save_mask", None), jobs, args)
    holes = StepProgress("filling", enabled=len(jobs) == 1)  # a batch has its own bar

    def work(job: Job) -> None:
        mask = None if args.mask is None else find_mask(args.mask, job.source)
        try:
            process_photo(
                spec,
                method,
                job.source,
                job.target,
                settings,
                mask=mask,
                source_mask=source_mask,
                progress=holes,
                mask_target=save_masks.get(job.source),
                mask_only=mask_only,
            )
        finally:
            holes.close()

    return run_jobs(jobs, work, desc=spec.verb).exit_code()


def _plan_saved_masks(folder: Path | None, jobs: list[Job], args: argparse.Namespace) -> dict:
    """``--save-mask DIR``: each photo's mask path, DIR/STEM.png, checked like any output
    (never an input, a mask, or the result itself)."""
    if folder is None:
        return {}
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: --save-mask takes a folder, not a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the mask folder ({exc.strerror})") from None
    planned = plan_jobs(
        [str(job.source) for job in jobs],
        folder,
        protected=(args.mask,),
        extension=".png",
        masks=True,
    )
    results = {_key(job.target) for job in jobs}
    for job in planned:
        if _key(job.target) in results:
            raise InputError(
                f"{job.target}: the mask would overwrite the result; give --save-mask "
                "another folder"
            )
    return {job.source: job.target for job in planned}


def _key(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))
