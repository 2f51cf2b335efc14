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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from retouch.core.errors import InputError, RetouchError
from retouch.core.io import WRITE_EXTENSIONS

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"}

log = logging.getLogger("retouch.cli")


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
        return 1 if self.failed else 0


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
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (default 95)")
    p.add_argument(
        "--max-pixels",
        type=int,
        default=None,
        help="refuse images larger than this many pixels (default 150e6)",
    )


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
    inputs: list[str], output: Path, *, overwrite: bool = False, extension: str | None = None
) -> list[Job]:
    """Pair each input file with its output path; refuse to overwrite inputs."""
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
        output.mkdir(parents=True, exist_ok=True)
        jobs = [Job(f, output / (f.stem + (extension or f.suffix))) for f in files]
    for job in jobs:
        if _same_file(job.source, job.target) and not overwrite:
            raise InputError(
                f"{job.target}: output is the input file; choose another output or pass --overwrite"
            )
    return jobs


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
    """Run ``work`` on each job with a progress bar; collect failures, keep going."""
    report = Report()
    bar = tqdm(jobs, desc=desc, unit="img", disable=len(jobs) < 2, file=sys.stderr)
    for job in bar:
        try:
            work(job)
            report.done += 1
        except (RetouchError, OSError) as exc:
            report.failed.append((job.source, str(exc).removeprefix(f"{job.source}: ")))
    return report


def _same_file(a: Path, b: Path) -> bool:
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


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
