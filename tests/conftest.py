"""Shared fixtures, and the one way a test says what it needs.

A test that needs an optional extra, a program or the real photos under
``../shared/data`` says so with :func:`need`, :func:`need_module` or the
``shared_data`` fixture (:func:`need_data`). Outside CI a missing need skips the
test with its reason (``pytest -ra`` prints it); with ``CI=true`` it fails the test,
so a CI run never passes by skipping what it claims to check. Any other skip in CI
(a bare ``pytest.skip`` or ``pytest.importorskip``) is turned into a failure too,
except a platform skip made with :func:`skip_platform`.

``RETOUCH_TEST_DATA`` relocates the data folder (default: ``shared/data`` beside the
checkout). Every test that uses ``shared_data`` must carry ``@pytest.mark.quality``,
so ``-m "not quality and not slow"`` is a quick run without the photos.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RETOUCH_TEST_DATA") or REPO.parent / "shared" / "data")
PLATFORM = "platform: "  # the prefix of skips allowed in CI


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def need(condition: object, reason: str) -> None:
    """Go on if ``condition`` is true; else skip with ``reason``, or fail with it in CI.

    Works in a test, in a fixture and at module level (before the imports it guards).
    ``reason`` says what is missing and how to get it::

        need(CHROMIUM.is_file(), f"{CHROMIUM} not found: apt-get install -y chromium")
    """
    if condition:
        return
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def need_module(name: str, install: str) -> ModuleType:
    """``name`` imported, or skip (fail in CI) naming ``install``, the command that
    provides it; ``pytest.importorskip`` that does not pass silently in CI::

        fastapi = need_module("fastapi", "pip install -e '.[serve]'")
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        problem = str(exc)  # reported outside the handler, without the chained traceback
    need(False, f"{name} is not installed ({problem}): {install}")
    raise AssertionError("not reached: need() skips or fails")


def have_data(*parts: str) -> Path | None:
    """``SHARED_DATA / parts`` if it exists, else None; in CI a missing file fails.

    For fixtures that fall back to a synthetic input outside CI."""
    path = SHARED_DATA.joinpath(*parts)
    if path.exists():
        return path
    if in_ci():
        pytest.fail(f"CI=true but {path} is absent (set RETOUCH_TEST_DATA)", pytrace=False)
    return None


def need_data(*parts: str) -> Path:
    """``SHARED_DATA / parts``, or skip (fail in CI) when the data folder or that file
    is absent. ``need_data("people", "astronaut.jpg")``; ``need_data()`` is the folder."""
    need(
        (SHARED_DATA / "README.md").is_file(),
        f"the real-photo data folder {SHARED_DATA} is absent "
        "(it sits beside CI checkouts; RETOUCH_TEST_DATA names another)",
    )
    path = SHARED_DATA.joinpath(*parts)
    need(path.exists(), f"{path} is absent from the real-photo data")
    return path


def skip_platform(reason: str) -> None:
    """Skip, in CI too, for what this machine cannot do (not a missing extra or data)."""
    pytest.skip(PLATFORM + reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-photo folder (``../shared/data``); tests using it are ``quality``."""
    return need_data()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        _judge_skip(report, item.location[0], item.location[1] + 1)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    if report.skipped:
        _judge_skip(report, collector.nodeid.split("::")[0], None)
    return report


def _judge_skip(report, path: str, lineno: int | None) -> None:
    """In CI a skip fails unless it is a platform skip; elsewhere a skip raised in this
    file (by need()) is shown at the test or module that needed it, not here."""
    if not isinstance(report.longrepr, tuple):
        return
    where, _, message = report.longrepr
    reason = message.removeprefix("Skipped: ")
    if in_ci() and not reason.startswith(PLATFORM):
        report.outcome = "failed"
        report.longrepr = f"CI=true but this was skipped: {reason}"
    elif Path(where).resolve() == Path(__file__).resolve():
        report.longrepr = (path, lineno, message)


def pytest_collection_modifyitems(config, items) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if "shared_data" in item.fixturenames and item.get_closest_marker("quality") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests read ../shared/data (the shared_data fixture) but lack "
            "@pytest.mark.quality: " + ", ".join(unmarked)
        )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def stripes(h: int = 64, w: int = 64, period: int = 8) -> np.ndarray:
    """Vertical red/blue stripes: a texture diffusion cannot continue but patches can."""
    img = np.zeros((h, w, 3), np.uint8)
    on = (np.arange(w) // (period // 2)) % 2 == 0
    img[:, on] = (220, 40, 40)
    img[:, ~on] = (30, 60, 200)
    return img


def square_mask(
    h: int = 64, w: int = 64, y0: int = 24, y1: int = 40, x0: int = 24, x1: int = 40
) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    mask[y0:y1, x0:x1] = 255
    return mask
