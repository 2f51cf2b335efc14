"""Pixel limits, stated in the user's units, and opening files with Pillow under them.

retouch checks an image's declared size against its own limit (``max_pixels()``, or a
per-call ``pixel_limit``) before decoding. Pillow's process-wide decompression-bomb
guard (``PIL.Image.MAX_IMAGE_PIXELS``) is left as the program set it: only its warning
is silenced, and only inside ``open_image``.
"""

from __future__ import annotations

import math
import os
import re
import threading
import warnings
from decimal import Decimal, InvalidOperation
from numbers import Real
from typing import IO

from PIL import Image

from retouch.core.errors import InputError, LimitError

__all__ = [
    "DEFAULT_LIMIT_HINT",
    "DEFAULT_MAX_PIXELS",
    "check_size",
    "max_pixels",
    "open_image",
    "parse_pixel_count",
    "resolve_limit",
]

DEFAULT_MAX_PIXELS = 150_000_000
DEFAULT_LIMIT_HINT = "raise it with --max-pixels or RETOUCH_MAX_PIXELS if the file is trusted"
_EXAMPLES = "a positive whole number such as 150000000, 150_000_000 or 1.5e8"
# warnings.catch_warnings swaps a process-wide filter list; one retouch call at a time
# does so, so two threads never restore each other's filters out of order.
_OPEN_LOCK = threading.Lock()


def parse_pixel_count(text: str, *, source: str = "pixel limit") -> int:
    """A pixel count written as ``150000000``, ``150_000_000``, ``1.5e8`` or ``150e6``.

    Raises InputError naming ``source`` unless ``text`` is a positive whole number.

    >>> parse_pixel_count("1.5e8")
    150000000
    """
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InputError(f"{source}: {text!r} is not a number; write {_EXAMPLES}") from None
    if not value.is_finite() or value <= 0 or value != value.to_integral_value():
        raise InputError(f"{source} must be {_EXAMPLES}, got {text!r}")
    return int(value)


def max_pixels() -> int:
    """The default pixel limit: ``$RETOUCH_MAX_PIXELS`` (e.g. ``2e8``) or 150,000,000.

    Raises InputError naming the variable when it is set to anything but a positive
    whole number.
    """
    value = os.environ.get("RETOUCH_MAX_PIXELS", "").strip()
    return parse_pixel_count(value, source="RETOUCH_MAX_PIXELS") if value else DEFAULT_MAX_PIXELS


def resolve_limit(pixel_limit: float | None) -> int:
    """``pixel_limit`` checked (a positive whole number), or ``max_pixels()`` for None."""
    if pixel_limit is None:
        return max_pixels()
    if isinstance(pixel_limit, bool) or not isinstance(pixel_limit, Real):
        raise InputError(f"pixel_limit must be a positive number of pixels, got {pixel_limit!r}")
    if not (math.isfinite(pixel_limit) and pixel_limit > 0 and pixel_limit == int(pixel_limit)):
        raise InputError(f"pixel_limit must be a positive number of pixels, got {pixel_limit}")
    return int(pixel_limit)


def _mp(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} MP" if pixels >= 100_000 else f"{pixels / 1e6:.2g} MP"


def check_size(name: str, size: tuple[int, int], limit: int, hint: str | None) -> None:
    """Raise LimitError if ``size`` (width, height) is over ``limit`` pixels."""
    w, h = size
    if w * h > limit:
        hint = f"; {hint}" if hint else ""
        raise LimitError(
            f"{name}: {w}x{h} is {w * h:,} pixels ({_mp(w * h)}), "
            f"over the limit of {limit:,} pixels ({_mp(limit)}){hint}"
        )
    if w <= 0 or h <= 0:
        raise InputError(f"{name}: the image has no pixels ({w}x{h})")


def open_image(source: str | os.PathLike | IO[bytes], name: str, limit: int, hint: str | None):
    """``PIL.Image.open(source)`` without Pillow's bomb warning, which our limit replaces.

    An image over Pillow's hard bound (twice ``PIL.Image.MAX_IMAGE_PIXELS``) is a
    LimitError: ours when ``limit`` is lower, else one naming Pillow's bound.
    """
    try:
        with _OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(source)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(found.group(1)) if found else None
        bound = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        size = f"{pixels:,} pixels ({_mp(pixels)})" if pixels else f"over {bound:,} pixels"
        if limit < bound:
            hint = f"; {hint}" if hint else ""
            raise LimitError(
                f"{name}: the image is {size}, over the limit of {limit:,} pixels "
                f"({_mp(limit)}){hint}"
            ) from None
        raise LimitError(
            f"{name}: the image is {size}; Pillow refuses images over {bound:,} pixels "
            f"({_mp(bound)}) in this program (PIL.Image.MAX_IMAGE_PIXELS), "
            "whatever retouch's own limit is"
        ) from None
