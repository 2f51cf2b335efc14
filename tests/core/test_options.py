"""Option specs read from signatures, and the contract every registered method's options
keep: a wrong type and an out-of-range value are one-line input errors at ``create``."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest

from retouch.core.errors import InputError
from retouch.core.options import OneOf, OptionSpec, Range, option_specs
from retouch.core.registry import create, list_methods


def _toy(
    image,
    *,
    size: Annotated[int, Range(3, 31, odd=True)] = 7,
    weight: Annotated[float, Range(0, 1)] = 0.5,
    mode: Literal["a", "b"] = "a",
    part: Annotated[str, OneOf(("x", "y"))] = "x",
    flag: bool = True,
    cut: Annotated[float, Range(0, 1)] | None = None,
    source=None,
):
    return image


def test_specs_come_from_the_signature():
    specs = option_specs(_toy)
    assert specs["size"] == OptionSpec("size", 7, int, range=Range(3, 31, odd=True))
    assert specs["weight"].kind is float and specs["weight"].range == Range(0, 1)
    assert specs["mode"].choices == ("a", "b") and specs["part"].choices == ("x", "y")
    assert specs["flag"].kind is bool
    assert specs["cut"].optional and specs["cut"].range == Range(0, 1)
    assert specs["source"].kind is None


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("size", "9", 9),
        ("size", 9.0, 9),
        ("size", "1e1", None),  # 10 is even
        ("weight", "0.25", 0.25),
        ("weight", 1, 1.0),
        ("flag", "false", False),
        ("flag", 1, True),
        ("mode", "b", "b"),
        ("cut", None, None),
    ],
)
def test_values_are_converted_where_they_enter(name, value, expected):
    spec = option_specs(_toy)[name]
    if expected is None and value is not None:
        with pytest.raises(InputError):
            spec.coerce(value)
    else:
        assert spec.coerce(value) == expected


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("size", "abc", "an odd whole number from 3 to 31"),
        ("size", 8, "odd"),
        ("size", True, "whole number"),
        ("size", 2**70, "from 3 to 31"),
        ("weight", -0.1, "from 0 to 1"),
        ("weight", float("nan"), "a number"),
        ("mode", "c", "one of a, b"),
        ("part", "z", "one of x, y"),
        ("flag", "maybe", "true or false"),
        ("source", "mask.png", "takes an array"),
    ],
)
def test_bad_values_name_the_option_and_what_it_takes(name, value, words):
    with pytest.raises(InputError) as err:
        option_specs(_toy)[name].coerce(value, where="toy")
    message = str(err.value)
    assert message.startswith("toy: option " + name) and words in message
    assert "\n" not in message


def _bad_type(spec: OptionSpec):
    return {bool: "perhaps", int: "abc", float: "abc", str: 12345}[spec.kind]


def _out_of_range(spec: OptionSpec):
    if spec.choices:
        return "no-such-choice"
    if spec.pattern is not None:
        return "\x00"  # no text form takes a NUL
    if spec.range is not None and spec.range.high is not None:
        return spec.range.high + 1
    if spec.range is not None and spec.range.low is not None:
        return spec.range.low - 1
    return None


METHODS = [(m.task, m.name) for m in list_methods()]


@pytest.mark.parametrize(("task", "name"), METHODS)
def test_every_method_refuses_wrong_types_and_out_of_range_values(task, name):
    """The contract: each scalar option has a declared type, and a numeric or text
    option a range or choices (a text option may have a pattern instead); a bad value is
    refused before the method is built."""
    info = next(m for m in list_methods(task) if m.name == name)
    for option, spec in info.specs.items():
        if spec.kind is None:
            continue
        with pytest.raises(InputError, match=f"option {option} must be"):
            create(task, name, **{option: _bad_type(spec)})
        if spec.kind in (int, float, str):
            bad = _out_of_range(spec)
            assert bad is not None, f"{task}/{name} option {option} declares no range or choices"
            with pytest.raises(InputError, match=f"option {option} must be"):
                create(task, name, **{option: bad})
        assert spec.coerce(spec.default) == spec.default  # the default is a valid value
