"""Who goes: every person, all but the largest N, or the people at the given points.

``parse_points`` reads the ``select`` option (``"X,Y"`` pixel points, separated by
spaces or semicolons) where it enters, so a typo fails before any photo is read;
``chosen`` turns the choice into the labels of the people to remove.
"""

from __future__ import annotations

import numpy as np

from retouch.core.errors import InputError

__all__ = ["POINTS", "Point", "check_choice", "chosen", "parse_points"]

Point = tuple[int, int]  # x, y in pixels of the photo
_POINT = r"\d+(?:\.\d+)?,\d+(?:\.\d+)?"
POINTS = rf"[\s;]*(?:{_POINT}(?:[\s;]+{_POINT})*)?[\s;]*"  # the form of ``select``


def parse_points(text: str) -> list[Point]:
    """``"120,80 300,95"`` (or ``;``-separated) -> [(120, 80), (300, 95)]; InputError else.

    >>> parse_points("12,5; 7,9")
    [(12, 5), (7, 9)]
    """
    points = []
    for item in text.replace(";", " ").split():
        parts = item.split(",")
        try:
            x, y = (int(float(v)) for v in parts) if len(parts) == 2 else (None, None)
        except ValueError:
            x = y = None
        if x is None or y is None or x < 0 or y < 0:
            raise InputError(
                f"select takes points X,Y in pixels (whole numbers >= 0, several separated "
                f"by spaces or ';'), e.g. '120,80 300,95'; got {item!r}"
            )
        points.append((x, y))
    return points


def check_choice(*, keep: int, keep_largest: bool, select: str) -> tuple[int, list[Point]]:
    """The options' choice as (how many of the largest people stay, points to remove).

    ``keep_largest`` is ``keep=1``; keeping and selecting do not combine (InputError).
    """
    points = parse_points(select)
    if keep_largest and keep not in (0, 1):
        raise InputError(f"keep_largest keeps one person; it cannot go with keep={keep}")
    stay = 1 if keep_largest else keep
    if stay and points:
        raise InputError(
            "select removes only the people at the points and keeps everyone else; "
            "it cannot go with keep or keep_largest: give one of them"
        )
    return stay, points


def chosen(labels: np.ndarray, *, keep: int, points: list[Point], reach_px: int) -> list[int]:
    """The labels (1 = largest) of the people to remove from ``labels`` (H x W int32).

    keep: the largest ``keep`` people stay. points: when given, only the people at
    them go; a point off every person takes the nearest one within ``reach_px``
    (a click on the edge), else InputError. A point outside the photo: InputError.
    """
    count = int(labels.max()) if labels.size else 0
    if not points:
        return list(range(keep + 1, count + 1))
    h, w = labels.shape
    ids: list[int] = []
    for x, y in points:
        if not (0 <= x < w and 0 <= y < h):
            raise InputError(f"select point {x},{y} is outside the {w}x{h} photo")
        found = _label_near(labels, x, y, reach_px)
        if found == 0:
            raise InputError(
                f"no person at {x},{y} (nor within {reach_px} px); "
                "use --mask-only to see who was found"
            )
        if found not in ids:
            ids.append(found)
    return sorted(ids)


def _label_near(labels: np.ndarray, x: int, y: int, reach: int) -> int:
    if labels[y, x]:
        return int(labels[y, x])
    y0, x0 = max(0, y - reach), max(0, x - reach)
    window = labels[y0 : y + reach + 1, x0 : x + reach + 1]
    ys, xs = np.nonzero(window)
    if ys.size == 0:
        return 0
    d = np.hypot(ys + y0 - y, xs + x0 - x)
    best = int(np.argmin(d))
    return int(window[ys[best], xs[best]]) if d[best] <= reach else 0
