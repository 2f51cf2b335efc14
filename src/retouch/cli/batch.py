"""What every file-processing subcommand shares: inputs, outputs, masks, progress, errors.

INPUT may be files or folders. With one input file, OUTPUT is a file; with
several inputs or a folder, OUTPUT is a folder (created if needed). A bad file
does not stop a batch: it is reported at the end and the exit code is 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from retouch.core.cancel import CancelToken, cancel_scope
from retouch.core.errors import InputError, OutputError, RetouchError
from retouch.core.io import (
    DEFAULT_MAX_PIXELS,
    WRITE_EXTENSIONS,
    check_mask_path,
    check_writable,
    parse_pixel_count,
)

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"}

log = logging.getLogger("retouch.cli")

T = TypeVar("T")


@dataclass
class Job:
    source: Path
    target: Path


@dataclass
class Report:
    done: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)

    def exit_code(self) -> int:
        for path, reason in self.failed:
            print(f"retouch: error: {path}: {reason}", file=sys.stderr)
        if self.failed and self.done + len(self.failed) > 1:
            print(
                f"retouch: {len(self.failed)} of {self.done + len(self.failed)} files failed",
                file=sys.stderr,
            )
        if not self.failed:
            return 0
        return 2 if self.done + len(self.failed) == 1 else 1  # one bad input: an input error


def add_io_arguments(p: argparse.ArgumentParser) -> None:
    """INPUT..., -o OUTPUT, --overwrite, --quality, --max-pixels."""
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        help="output file (one input) or folder (several inputs or a folder)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="allow writing over an input file (off: refused)"
    )
    add_encoding_arguments(p)


def add_encoding_arguments(p: argparse.ArgumentParser) -> None:
    """--quality and --max-pixels."""
    p.add_argument(
        "--quality",
        type=bounded_int(1, 100),
        default=95,
        help="JPEG/WebP quality, 1-100 (default 95)",
    )
    p.add_argument(
        "--max-pixels",
        type=pixel_count,
        default=None,
        metavar="N",
        help="refuse images larger than N pixels, e.g. 50e6 "
        f"(default: $RETOUCH_MAX_PIXELS or {DEFAULT_MAX_PIXELS / 1e6:g}e6)",
    )


def pixel_count(text: str) -> int:
    """argparse type: a positive whole number of pixels (``150000000``, ``150e6``)."""
    try:
        return parse_pixel_count(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """argparse type: a whole number from ``low`` to ``high``, else one line naming both."""
    return _bounded(int, "whole number", low, high)


def bounded_float(low: float, high: float) -> Callable[[str], float]:
    """argparse type: a finite number from ``low`` to ``high``, else one line naming both
    (NaN fails both comparisons)."""
    return _bounded(float, "number", low, high)


def _bounded(convert: Callable[[str], Any], noun: str, low, high) -> Callable[[str], Any]:
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a {noun} from {low} to {high}, got {text!r}")
        return value

    parse.__name__ = noun
    return parse


def expand_inputs(inputs: list[str]) -> list[Path]:
    """Files as given, folders expanded to their image files (sorted, not recursive)."""
    files: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            files.extend(
                sorted(
                    p
                    for p in item.iterdir()
                    if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
                )
            )
        elif item.exists():
            files.append(item)
        else:
            raise InputError(f"{item}: no such file or folder")
    if not files:
        raise InputError(f"no image files found in {', '.join(inputs)}")
    return files


def plan_jobs(
    inputs: list[str],
    output: Path,
    *,
    overwrite: bool = False,
    extension: str | None = None,
    protected: tuple[Path | None, ...] = (),
    masks: bool = False,
) -> list[Job]:
    """Pair each input file with its output path, and check every output before any work.

    Refused, each with one line: an output that is any input of the run (another
    photo, a mask or mask folder, a ``--source`` mask: ``protected``), where only a
    photo's own file may be written over and only with ``overwrite``; two inputs
    that would write the same output; an output folder that is missing, a file or
    not writable; and, with ``masks``, an output format that is not lossless.
    """
    files = expand_inputs(inputs)
    single = len(files) == 1 and not any(Path(i).is_dir() for i in inputs)
    if single and not output.is_dir():
        if output.suffix.lower() not in WRITE_EXTENSIONS:
            raise InputError(
                f"{output}: give the output file an image extension "
                f"({', '.join(sorted(WRITE_EXTENSIONS))})"
            )
        jobs = [Job(files[0], output)]
    else:
        if output.exists() and not output.is_dir():
            raise InputError(f"{output}: several inputs need an output folder, not a file")
        _refuse_protected_folder(output, protected)
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"{output}: cannot create the output folder ({exc.strerror})"
            ) from None
        jobs = [Job(f, output / (f.stem + (extension or f.suffix))) for f in files]
    _refuse_collisions(jobs)
    _refuse_overwriting_inputs(jobs, protected, overwrite)
    for job in {_key(job.target.parent): job for job in jobs}.values():
        check_writable(job.target)  # one check per output folder
    if masks:
        for job in jobs:
            check_mask_path(job.target)
    return jobs


def _key(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def _refuse_protected_folder(output: Path, protected: tuple[Path | None, ...]) -> None:
    for item in protected:
        if item is not None and item.is_dir() and _key(item) == _key(output):
            raise InputError(
                f"{output}: the output folder is the mask folder {item}; "
                "write the results into another folder"
            )


def _refuse_collisions(jobs: list[Job]) -> None:
    seen: dict[str, Job] = {}
    for job in jobs:
        first = seen.setdefault(_key(job.target), job)
        if first is not job:
            raise InputError(
                f"{job.target}: both {first.source} and {job.source} would be written here; "
                "rename one of them or process them into separate folders (nothing was written)"
            )


def _refuse_overwriting_inputs(
    jobs: list[Job], protected: tuple[Path | None, ...], overwrite: bool
) -> None:
    """No output may be an input of the run, except a photo's own file with ``overwrite``.

    The inputs are indexed by file identity once, so a batch costs one ``stat`` per
    input and per output, not one comparison per pair.
    """
    inputs = [(job.source, "input") for job in jobs]
    for item in protected:
        if item is not None and item.is_dir():
            inputs += [(p, "mask") for p in item.iterdir() if p.is_file()]
        elif item is not None:
            inputs.append((item, "mask"))
    index: dict[tuple[int, int], list[tuple[Path, str]]] = {}
    for path, kind in inputs:
        if (identity := _identity(path)) is not None:
            index.setdefault(identity, []).append((path, kind))
    for job in jobs:
        for path, kind in index.get(_identity(job.target), []):
            if path == job.source and overwrite:
                continue
            if path == job.source:
                raise InputError(
                    f"{job.target}: output is the input file; "
                    "choose another output or pass --overwrite"
                )
            raise InputError(
                f"{job.target}: the output would overwrite the {kind} {path}, an input of "
                "this run; choose another output"
            )


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, None if there is none."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def find_mask(mask: Path, image: Path) -> Path:
    """A mask file used for every image, or the mask with the image's stem in a folder."""
    if not mask.is_dir():
        return mask
    for candidate in sorted(mask.iterdir()):
        if (
            candidate.stem in (image.stem, f"{image.stem}_mask")
            and candidate.suffix.lower() in IMAGE_EXTENSIONS
        ):
            return candidate
    raise InputError(f"no mask named {image.stem}.* in {mask}")


class StepProgress:
    """A progress callback ``(done, total)`` that shows a bar once there are 2+ steps.

    Used for the holes of one large photo; call ``close()`` when the photo is done.
    """

    def __init__(self, desc: str, enabled: bool = True):
        self.desc = desc
        self.enabled = enabled
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and self.enabled and total > 1:
            self.bar = tqdm(total=total, desc=self.desc, unit="hole", file=sys.stderr)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_jobs(jobs: list[Job], work: Callable[[Job], None], *, desc: str) -> Report:
    """Run ``work`` on each job with a progress bar; collect failures, keep going.

    Each job runs in a worker thread inside a cancel scope, so Ctrl-C stops the
    work at its next check (within a fraction of a second) instead of when the
    photo is done; the interrupted output is never written.
    """
    report = Report()
    bar = tqdm(jobs, desc=desc, unit="img", disable=len(jobs) < 2, file=sys.stderr)
    for job in bar:
        try:
            run_cancellable(work, job)
            report.done += 1
        except (RetouchError, OSError) as exc:
            report.failed.append((job.source, str(exc).removeprefix(f"{job.source}: ")))
        except Exception as exc:  # a defect of ours: report it, keep the batch going
            log.debug("%s failed", job.source, exc_info=True)
            report.failed.append(
                (job.source, f"unexpected {type(exc).__name__}: {exc} (run with -v for details)")
            )
    return report


def run_cancellable(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread; Ctrl-C cancels it and is re-raised here."""
    token = CancelToken()
    outcome: dict[str, Any] = {}

    def target() -> None:
        with cancel_scope(token):
            try:
                outcome["value"] = fn(*args)
            except BaseException as exc:
                outcome["error"] = exc

    worker = threading.Thread(target=target, name="retouch-work", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        token.cancel("interrupted")
        worker.join(5.0)  # the work stops at its next check; nothing half-written is kept
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are one existing file (links and spellings included)."""
    identity = _identity(b)
    return identity is not None and identity == _identity(a)


def add_option_argument(p: argparse.ArgumentParser, help: str) -> None:
    """The repeatable ``-O/--option KEY=VALUE`` argument (read with ``parse_options``)."""
    p.add_argument("--option", "-O", action="append", default=[], metavar="KEY=VALUE", help=help)


def parse_options(items: list[str]) -> dict:
    """``-O KEY=VALUE`` items -> {key: int | float | bool | str}."""
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--option needs KEY=VALUE, got {item!r}")
        options[key.strip().replace("-", "_")] = _parse_value(value.strip())
    return options


def _parse_value(value: str):
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(value.lower(), value)
