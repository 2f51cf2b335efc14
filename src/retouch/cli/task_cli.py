"""One subcommand per declared task (``core.tasks``), built from its record.

Every task gets ``retouch VERB INPUT... -o OUTPUT`` with batch folders, progress,
``--method`` (choices and default from the registry), ``-O KEY=VALUE`` options checked
against the method's signature, and a flag for each promoted option (``--part``).
What else a command takes follows from what the task takes and returns:

- a segmenter (image -> mask): ``--overlay``, ``--cutout``, ``--soft``;
- an edit (image + mask -> image): ``--mask``, ``--resize-mask`` and, for erase, the
  fill's own ``--dilate``, ``--grow-halo``, ``--seed`` and ``--source``;
- a transform (image -> image): nothing more.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial
from pathlib import Path

from retouch.cli.batch import add_io_arguments, add_option_argument
from retouch.core.options import OptionSpec
from retouch.core.registry import get, list_methods
from retouch.core.tasks import TaskSpec
from retouch.photo import PhotoSettings

__all__ = [
    "add_promoted_flag",
    "add_task_arguments",
    "add_task_parser",
    "method_options",
    "photo_settings",
]


def add_task_parser(sub, spec: TaskSpec) -> Callable[[argparse.Namespace], int]:
    """Add ``retouch {spec.verb}`` to ``sub``; returns the function that runs it."""
    p = sub.add_parser(spec.verb, help=spec.summary, description=task_description(spec))
    add_io_arguments(p)
    add_task_arguments(p, spec)
    if spec.kind == "segment":
        from retouch.cli.segment_io import run_segment as run
    elif spec.kind == "edit":
        from retouch.cli.erase import run_edit as run
    else:
        from retouch.cli.transform import run_transform as run
    return partial(run, spec=spec)


def task_description(spec: TaskSpec) -> str:
    """The task's description and its default method's summary, for ``--help``."""
    default = get(spec.name)
    description = spec.description or spec.summary[:1].upper() + spec.summary[1:] + "."
    return f"{description} The default method, {default.name}, is: {default.summary}."


def add_task_arguments(
    p: argparse.ArgumentParser, spec: TaskSpec, *, path_type: type = Path
) -> None:
    """What every command of task ``spec`` takes besides its inputs and output.

    ``--method``, the promoted flags, the kind's own (``--mask``, ``--soft``, ...) and
    ``-O``; ``path_type`` is what mask paths are parsed as (``str`` for URLs).
    """
    default = get(spec.name)
    p.add_argument(
        "--method",
        choices=[m.name for m in list_methods(spec.name)],
        default=default.name,
        help=f"{spec.verb} method (default: %(default)s); see `retouch methods {spec.name}`",
    )
    for name in spec.promoted:
        add_promoted_flag(p, name, default.specs[name])
    if spec.kind == "segment":
        from retouch.cli.segment_io import add_segment_arguments

        add_segment_arguments(p, spec)
    elif spec.kind == "edit":
        from retouch.cli.erase import add_edit_arguments

        add_edit_arguments(p, spec, path_type=path_type)
    else:
        from retouch.cli.transform import add_transform_arguments

        add_transform_arguments(p, spec)
    add_option_argument(p, "a method option, e.g. -O threshold=0.6 (repeatable)")


def add_promoted_flag(p: argparse.ArgumentParser, name: str, option: OptionSpec) -> None:
    """``--NAME`` for a promoted method option: a choice (``--part eyes``), a switch for a
    true/false option (``--keep-largest``), a text option that may be given more than
    once (the values joined by spaces: ``--select 10,20 --select 30,40``), or a number.
    The value is checked where options are, by ``create`` (one line, exit 2)."""
    flag, dest = f"--{name.replace('_', '-')}", f"promoted_{name}"
    about = f"the method's {name} option"
    if option.choices is None and option.kind is bool:
        p.add_argument(flag, dest=dest, action="store_true", help=f"{about} (a switch)")
    elif option.choices is None and option.kind is str:
        p.add_argument(
            flag,
            dest=dest,
            action="append",
            default=None,
            metavar="VALUE",
            help=f"{about}: {option.describe()} (repeatable: the values are joined)",
        )
    elif option.choices is None:
        p.add_argument(
            flag,
            dest=dest,
            default=option.default,
            metavar="N",
            help=f"{about}: {option.describe()} (default: %(default)s)",
        )
    else:
        p.add_argument(
            flag,
            dest=dest,
            choices=option.choices,
            default=option.default,
            help=f"{name} of the method (default: %(default)s)",
        )


def method_options(args: argparse.Namespace, spec: TaskSpec) -> dict:
    """The ``-O`` options with the promoted flags' values added."""
    from retouch.cli.batch import parse_options

    options = parse_options(args.option)
    accepted = get(spec.name, args.method).options
    for name in spec.promoted:
        value = getattr(args, f"promoted_{name}")
        if isinstance(value, list):  # a repeatable text flag
            value = " ".join(value)
        if name in accepted and value is not None:
            options.setdefault(name, value)
    return options


def photo_settings(args: argparse.Namespace) -> PhotoSettings:
    """The per-photo settings a task command was given (flags it lacks keep defaults)."""
    defaults = PhotoSettings()
    names = (
        "dilate",
        "grow_halo",
        "seed",
        "soft",
        "overlay",
        "cutout",
        "resize_mask",
        "transparent",
    )
    values = {name: getattr(args, name, getattr(defaults, name)) for name in names}
    return PhotoSettings(quality=args.quality, max_pixels=args.max_pixels, **values)
