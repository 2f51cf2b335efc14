"""Each task declared once: its verb, what it takes and returns, its soft output.

A task's package declares its record with ``declare_task`` next to the methods it
registers; the command line (``retouch VERB``), the HTTP route (``POST
/api/v1/VERB``), the web page's menus, ``retouch methods``, ``retouch eval`` and
the contract tests are all built from these records, so adding a task is a package
plus one line in ``BUILTIN_TASKS``::

    declare_task(TaskSpec(
        name="skin", verb="skin", takes=("image",), returns="mask",
        summary="masks of visible skin", soft="P(skin) of each pixel",
        ground_truth=True,
    ))

Kinds of task, from what they take and return:

- ``("image",) -> "mask"``: a segmenter; H x W x 3 uint8 in, H x W uint8 0/255 out,
  and with a ``soft`` output an H x W float32 [0, 1] map (``Method.soft``).
- ``("image", "mask") -> "image"``: fills or edits what a mask marks (erase).
- ``("image",) -> "image"``: turns a photo into another image (line art).

An edit task whose methods find what to change by themselves (tattoo removal) sets
``detects``: its mask is then optional (``--mask`` on the command line, the ``mask``
upload of the HTTP route), its methods have ``detect(image) -> mask`` besides
``method(image, mask)``, and its command gains ``--mask-only`` and ``--save-mask``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Literal

from retouch.core.errors import InputError

__all__ = [
    "BUILTIN_TASKS",
    "TaskSpec",
    "all_tasks",
    "declare_task",
    "get_task",
    "task_for_verb",
]

# The package that declares each built-in task and registers its methods, imported on
# first use (so core never imports the layers above it). A new task adds one line here.
BUILTIN_TASKS: dict[str, str] = {
    "inpaint": "retouch.inpaint",
    "person": "retouch.segment.person",
    "face": "retouch.segment.face",
    "skin": "retouch.segment.skin",
    "lineart": "retouch.lineart",
    "cartoon": "retouch.cartoon",
    "tattoo": "retouch.tattoo",
    "people": "retouch.people",
}

Input = Literal["image", "mask"]


@dataclass(frozen=True)
class TaskSpec:
    """One task: the registry it fills, how users call it and what it gives back.

    ``name``: the registry's name (``create(name, method)``). ``verb``: the CLI
    subcommand and the HTTP route. ``takes``: ``("image",)`` or ``("image", "mask")``.
    ``returns``: ``"mask"`` or ``"image"``. ``soft``: what the soft output is, for a
    mask task that has one (None: the mask is all there is). ``ground_truth``: masks
    to score against exist, so ``retouch eval`` applies (a task that is not a segmenter
    scores itself: its package's ``evaluate`` module). ``promoted``: method options
    that get a flag and a form field of their own (``--part``), besides ``-O``.
    ``detects``: for an edit task whose methods find their own mask when none is given,
    what they find (``"tattoo ink"``); its mask is then optional.
    """

    name: str
    verb: str
    takes: tuple[Input, ...]
    returns: Literal["mask", "image"]
    summary: str
    description: str = ""
    soft: str | None = None
    ground_truth: bool = False
    promoted: tuple[str, ...] = ()
    detects: str | None = None

    def __post_init__(self) -> None:
        if self.takes not in (("image",), ("image", "mask")):
            raise ValueError(f"task {self.name}: takes must be (image,) or (image, mask)")
        if self.returns not in ("mask", "image"):
            raise ValueError(f"task {self.name}: returns must be mask or image")
        if self.soft and self.returns != "mask":
            raise ValueError(f"task {self.name}: only a mask task has a soft output")
        if self.detects and self.kind != "edit":
            raise ValueError(f"task {self.name}: only an edit task detects its own mask")

    @property
    def kind(self) -> str:
        """``"segment"`` (image -> mask), ``"edit"`` (image + mask -> image) or
        ``"transform"`` (image -> image)."""
        if self.returns == "mask":
            return "segment"
        return "edit" if "mask" in self.takes else "transform"

    @property
    def needs_mask(self) -> bool:
        """True when every call must be given a mask (an edit task that does not detect)."""
        return "mask" in self.takes and not self.detects


_TASKS: dict[str, TaskSpec] = {}


def declare_task(spec: TaskSpec) -> TaskSpec:
    """Declare a task (once); its methods are registered with ``register(spec.name, ...)``."""
    clash = next((t for t in _TASKS.values() if spec.verb == t.verb and t.name != spec.name), None)
    if spec.name in _TASKS and _TASKS[spec.name] != spec:
        raise RuntimeError(f"task {spec.name!r} is declared twice")
    if clash is not None:
        raise RuntimeError(f"the verb {spec.verb!r} of {spec.name!r} is taken by {clash.name!r}")
    _TASKS[spec.name] = spec
    return spec


def load_task(name: str) -> None:
    """Import the package of built-in task ``name`` (declares it, registers its methods)."""
    if name not in _TASKS and name in BUILTIN_TASKS:
        importlib.import_module(BUILTIN_TASKS[name])


def all_tasks() -> list[TaskSpec]:
    """Every declared task (built-in ones loaded), in the order of ``BUILTIN_TASKS``,
    then the others by name."""
    for name in BUILTIN_TASKS:
        load_task(name)
    order = list(BUILTIN_TASKS)
    return sorted(
        _TASKS.values(),
        key=lambda t: (order.index(t.name) if t.name in order else len(order), t.name),
    )


def get_task(name: str) -> TaskSpec:
    """The record of task ``name`` (its registry name), or InputError listing the valid ones."""
    load_task(name)
    if name not in _TASKS:
        valid = ", ".join(t.name for t in all_tasks())
        raise InputError(f"unknown task {name!r}; valid tasks: {valid}")
    return _TASKS[name]


def task_for_verb(verb: str) -> TaskSpec:
    """The task whose command and route is ``verb`` (``erase`` -> ``inpaint``)."""
    for spec in all_tasks():
        if verb in (spec.verb, spec.name):
            return spec
    valid = ", ".join(t.verb for t in all_tasks())
    raise InputError(f"unknown task {verb!r}; valid tasks: {valid}")
