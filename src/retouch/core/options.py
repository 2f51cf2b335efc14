"""Method options: their type, range and choices, read from the method's signature.

A method declares each option once, as a keyword-only parameter whose annotation
says what it takes; a range or a parity, or the form of a text (``Pattern``), goes in
``Annotated``::

    def patchmatch(image, mask, *, patch_size: Annotated[int, Range(3, 31, odd=True)] = 7):
        ...

``option_specs(fn)`` reads those parameters into ``OptionSpec`` records, and
``OptionSpec.coerce`` checks (and converts) a value where it enters: from the
command line (text), from JSON (numbers, booleans) or from Python. A wrong type or
an out-of-range value raises ``InputError`` with one line that names the option,
what it takes and what was given, so the CLI prints one line and the HTTP API
answers 422.
"""

from __future__ import annotations

import inspect
import math
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from retouch.core.errors import InputError

__all__ = ["OneOf", "OptionSpec", "Pattern", "Range", "option_specs"]

_SCALARS = (bool, int, float, str)
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Range:
    """Bounds of a numeric option (inclusive; None = unbounded), and whether it must be odd."""

    low: float | None = None
    high: float | None = None
    odd: bool = False

    def contains(self, value: float) -> bool:
        """True when ``value`` is within the bounds (and odd where it must be)."""
        if self.low is not None and value < self.low:
            return False
        if self.high is not None and value > self.high:
            return False
        return not (self.odd and int(value) % 2 == 0)

    def describe(self) -> str:
        """The bounds in words, e.g. ``"from 3 to 31"``."""
        if self.low is not None and self.high is not None:
            return f"from {_number(self.low)} to {_number(self.high)}"
        if self.low is not None:
            return f"of at least {_number(self.low)}"
        return f"of at most {_number(self.high)}" if self.high is not None else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class OneOf:
    """The values a text option may take, when they live in a tuple elsewhere (``Literal``
    does the same for values written in the signature)."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Pattern:
    """The form a text option's value must have: a regular expression it must match
    whole (``re.fullmatch``), and an example of it for the error message."""

    regex: str
    example: str

    def matches(self, value: str) -> bool:
        """True when ``value`` has the form (the whole of it)."""
        return re.fullmatch(self.regex, value) is not None


@dataclass(frozen=True)
class OptionSpec:
    """One option of a method: name, default, scalar type, choices and range.

    ``kind`` is bool, int, float or str; None for options that take arrays or
    objects (``source`` masks), which are passed through unchecked.
    """

    name: str
    default: Any
    kind: type | None
    optional: bool = False
    choices: tuple[Any, ...] | None = None
    range: Range | None = None
    pattern: Pattern | None = None

    def describe(self) -> str:
        """What the option takes, e.g. ``"an odd whole number from 3 to 31"``."""
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if self.pattern is not None and self.kind is str:
            return f"text like {self.pattern.example!r}"
        odd = self.range is not None and self.range.odd
        what = {
            bool: "true or false",
            int: "an odd whole number" if odd else "a whole number",
            float: "a number",
            str: "text",
        }.get(self.kind, "a value")
        bounds = self.range.describe() if self.range and self.kind in (int, float) else ""
        return f"{what} {bounds}".strip()

    def coerce(self, value: Any, *, where: str = "") -> Any:
        """``value`` converted to the option's type, or InputError naming what it takes.

        >>> OptionSpec("patch_size", 7, int, range=Range(3, 31, odd=True)).coerce("9")
        9
        """
        if value is None and (self.optional or self.default is None):
            return None
        if self.kind is None:
            if isinstance(value, _SCALARS):
                prefix = f"{where}: " if where else ""
                raise InputError(
                    f"{prefix}option {self.name} takes an array, not {value!r}; "
                    "it can be passed from Python only"
                )
            return value
        converted = _convert(value, self.kind)
        ok = converted is not None
        if ok and self.choices is not None:
            ok = converted in self.choices
        if ok and self.range is not None and self.kind in (int, float):
            ok = self.range.contains(converted)
        if ok and self.pattern is not None and self.kind is str:
            ok = self.pattern.matches(converted)
        if not ok:
            prefix = f"{where}: " if where else ""
            raise InputError(f"{prefix}option {self.name} must be {self.describe()}, got {value!r}")
        return converted

    def json_schema(self) -> dict[str, Any]:
        """A JSON-schema fragment for this option (for the HTTP API and ``methods --json``)."""
        kind = {bool: "boolean", int: "integer", float: "number", str: "string"}.get(self.kind)
        schema: dict[str, Any] = {"type": kind} if kind else {}
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.range is not None:
            if self.range.low is not None:
                schema["minimum"] = self.range.low
            if self.range.high is not None:
                schema["maximum"] = self.range.high
        if self.pattern is not None:
            schema["pattern"] = self.pattern.regex
        if self.default is not None and not callable(self.default):
            schema["default"] = self.default
        return schema


def _convert(value: Any, kind: type) -> Any:
    """``value`` as ``kind`` (text parsed, whole floats as int), None if it is not one."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        return None
    if isinstance(value, bool):
        return None
    if kind is str:
        return value if isinstance(value, str) else None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if kind is float else _parse_int(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or isinstance(value, complex):
        return None
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            return None
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)  # "7.0", "1e3"
        if not number.is_integer():
            raise
        return int(number)


def option_specs(impl: Callable) -> dict[str, OptionSpec]:
    """The keyword-only parameters of a function (or a class's ``__init__``) as specs."""
    target = impl.__init__ if inspect.isclass(impl) else impl
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:  # an annotation that cannot be evaluated: fall back to defaults
        hints = {}
    specs = {}
    for p in inspect.signature(target).parameters.values():
        if p.kind is inspect.Parameter.KEYWORD_ONLY:
            specs[p.name] = _spec(p.name, p.default, hints.get(p.name))
    return specs


def _spec(name: str, default: Any, hint: Any) -> OptionSpec:
    optional = False
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        hint, optional = (rest[0] if len(rest) == 1 else None), True
    rng = one_of = pattern = None
    if typing.get_origin(hint) is typing.Annotated:
        hint, *extras = typing.get_args(hint)
        rng = next((x for x in extras if isinstance(x, Range)), None)
        one_of = next((x for x in extras if isinstance(x, OneOf)), None)
        pattern = next((x for x in extras if isinstance(x, Pattern)), None)
    choices = tuple(one_of.values) if one_of else None
    if typing.get_origin(hint) is typing.Literal:
        choices = typing.get_args(hint)
        hint = type(choices[0])
    kind = hint if hint in _SCALARS else None
    if kind is None and hint is None and type(default) in _SCALARS:
        kind = type(default)
    return OptionSpec(name, default, kind, optional, choices, rng, pattern)
