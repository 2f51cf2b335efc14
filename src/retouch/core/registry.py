"""One registry of named methods per task, and the factory ``create(task, name, **options)``.

A method is registered as a function (``fn(image, ...) -> array``) or, when it
must hold something heavy such as a loaded model, a class whose instances are
callable. ``create`` binds options and checks them against the signature, so a
typo in an option name fails at once with the list of valid options.

The CLI, HTTP API and web UI build their choices from these registries.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from retouch.core.errors import InputError
from retouch.core.options import OptionSpec, option_specs
from retouch.core.tasks import BUILTIN_TASKS, load_task

__all__ = ["Method", "MethodInfo", "create", "get", "list_methods", "register", "tasks"]

_REGISTRY: dict[str, dict[str, MethodInfo]] = {}


@dataclass(frozen=True)
class MethodInfo:
    """A registered method: its task, name, one-line summary and implementation."""

    task: str
    name: str
    summary: str
    impl: Callable[..., Any]
    default: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    specs: dict[str, OptionSpec] = field(default_factory=dict)
    soft: Callable[..., Any] | None = None  # a function method's soft output, if it has one
    weights: tuple[str, ...] = ()  # the weights records (core.weights) the method loads

    def describe(self) -> dict[str, Any]:
        """JSON-ready: task, name, default, summary, options (JSON schemas), weights."""
        return {
            "task": self.task,
            "name": self.name,
            "default": self.default,
            "summary": self.summary,
            "options": {name: spec.json_schema() for name, spec in self.specs.items() if spec.kind},
            "weights": list(self.weights),
        }

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` checked against this method: unknown names, types, ranges (InputError).

        Values are converted where the spec allows (text from the command line, whole
        floats from JSON); the result is what the method is called with.
        """
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            valid = ", ".join(sorted(self.options)) or "none"
            raise InputError(
                f"{self.task} method {self.name!r} has no option "
                f"{', '.join(map(repr, unknown))}; valid options: {valid}"
            )
        where = f"{self.task} method {self.name!r}"
        return {k: self.specs[k].coerce(v, where=where) for k, v in options.items()}


class Method:
    """A method with its options bound. Call it like the underlying function."""

    def __init__(self, info: MethodInfo, options: dict[str, Any]):
        self.info = info
        self.options = options
        self._target = info.impl(**options) if inspect.isclass(info.impl) else None

    @property
    def name(self) -> str:
        return self.info.name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._target is not None:
            return self._target(*args, **kwargs)
        return self.info.impl(*args, **{**self.options, **kwargs})

    def soft(self, image: Any) -> Any:
        """A segmenter's soft output: H x W float32 in [0, 1] (its mask is this, cut).

        A method without one (a fixed colour rule) gives its 0/255 mask as 0.0/1.0.
        """
        import numpy as np

        if self._target is not None and callable(getattr(self._target, "soft", None)):
            out = self._target.soft(image)
        elif self.info.soft is not None:
            options = {k: v for k, v in self.options.items() if k in _parameters(self.info.soft)}
            out = self.info.soft(image, **options)
        else:
            out = np.asarray(self(image)) >= 128
        return np.clip(np.asarray(out, np.float32), 0.0, 1.0)

    def detect(self, image: Any) -> Any:
        """What an edit method changes when given no mask: H x W uint8 0/255 (a task
        with ``detects``, e.g. the tattoo ink). InputError for a method that cannot."""
        if self._target is not None and callable(getattr(self._target, "detect", None)):
            return self._target.detect(image)
        raise InputError(
            f"{self.info.task} method {self.name!r} does not find a mask by itself; pass one"
        )

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"<retouch {self.info.task} method {self.name!r}{' ' + opts if opts else ''}>"


def register(
    task: str,
    name: str,
    summary: str,
    *,
    default: bool = False,
    soft: Callable[..., Any] | None = None,
    weights: tuple[str, ...] = (),
) -> Callable:
    """Decorator: register a function or class as method ``name`` of ``task``.

    ``soft``: for a function segmenter, the function giving its soft output (a class
    has a ``soft`` method instead). ``weights``: names of the weights records it
    loads (a class may say so in a ``weights`` attribute instead).
    """

    def decorate(impl: Callable) -> Callable:
        methods = _REGISTRY.setdefault(task, {})
        if name in methods:
            raise RuntimeError(f"{task} method {name!r} is registered twice")
        specs = option_specs(impl)
        defaults = {k: spec.default for k, spec in specs.items()}
        records = weights or _as_tuple(getattr(impl, "weights", ()))
        methods[name] = MethodInfo(
            task, name, summary, impl, default, defaults, specs, soft, records
        )
        return impl

    return decorate


def tasks() -> list[str]:
    """Names of all tasks: the declared ones (``core.tasks``) and any other registry."""
    return sorted(set(BUILTIN_TASKS) | set(_REGISTRY))


def _load(task: str) -> dict[str, MethodInfo]:
    load_task(task)
    if task not in _REGISTRY:
        raise InputError(f"unknown task {task!r}; valid tasks: {', '.join(tasks())}")
    return _REGISTRY[task]


def list_methods(task: str | None = None) -> list[MethodInfo]:
    """Registered methods of ``task`` (or of every task), default method first."""
    names = [task] if task else tasks()
    out: list[MethodInfo] = []
    for t in names:
        out.extend(sorted(_load(t).values(), key=lambda m: (not m.default, m.name)))
    return out


def get(task: str, name: str | None = None) -> MethodInfo:
    """The MethodInfo of ``name`` (or of the task's default method)."""
    methods = _load(task)
    if name is None:
        return next(m for m in list_methods(task) if m.default)
    if name not in methods:
        raise InputError(
            f"unknown {task} method {name!r}; valid names: {', '.join(sorted(methods))}"
        )
    return methods[name]


def create(task: str, name: str | None = None, **options: Any) -> Method:
    """Build method ``name`` of ``task`` with ``options`` bound.

    >>> create("inpaint", "telea", radius=5)  # doctest: +SKIP
    <retouch inpaint method 'telea' radius=5>
    """
    info = get(task, name)
    return Method(info, info.check_options(options))


def _as_tuple(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _parameters(fn: Callable) -> set[str]:
    return set(inspect.signature(fn).parameters)
