"""One registry of named methods per task, and the factory ``create(task, name, **options)``.

A method is registered as a function (``fn(image, ...) -> array``) or, when it
must hold something heavy such as a loaded model, a class whose instances are
callable. ``create`` binds options and checks them against the signature, so a
typo in an option name fails at once with the list of valid options.

The CLI, HTTP API and web UI build their choices from these registries.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from retouch.core.errors import InputError

__all__ = ["Method", "MethodInfo", "create", "get", "list_methods", "register", "tasks"]

# Which module fills each task's registry. Imported on first use, by name, so the
# core layer never imports the layers above it.
TASK_MODULES: dict[str, str] = {
    "inpaint": "retouch.inpaint",
    "person": "retouch.segment.person",
    "face": "retouch.segment.face",
    "skin": "retouch.segment.skin",
}

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

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"<retouch {self.info.task} method {self.name!r}{' ' + opts if opts else ''}>"


def register(task: str, name: str, summary: str, *, default: bool = False) -> Callable:
    """Decorator: register a function or class as method ``name`` of ``task``."""

    def decorate(impl: Callable) -> Callable:
        methods = _REGISTRY.setdefault(task, {})
        if name in methods:
            raise RuntimeError(f"{task} method {name!r} is registered twice")
        methods[name] = MethodInfo(task, name, summary, impl, default, _option_defaults(impl))
        return impl

    return decorate


def tasks() -> list[str]:
    """Names of all tasks (each loaded on demand)."""
    return sorted(set(TASK_MODULES) | set(_REGISTRY))


def _load(task: str) -> dict[str, MethodInfo]:
    if task not in _REGISTRY and task in TASK_MODULES:
        importlib.import_module(TASK_MODULES[task])
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
    unknown = sorted(set(options) - set(info.options))
    if unknown:
        valid = ", ".join(sorted(info.options)) or "none"
        raise InputError(
            f"{task} method {info.name!r} has no option {', '.join(map(repr, unknown))}; "
            f"valid options: {valid}"
        )
    return Method(info, options)


def _option_defaults(impl: Callable) -> dict[str, Any]:
    """Keyword-only parameters of a function (or a class's __init__) and their defaults."""
    sig = inspect.signature(impl.__init__ if inspect.isclass(impl) else impl)
    return {
        p.name: p.default
        for p in sig.parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
