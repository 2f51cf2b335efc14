"""retouch: edit photos of people the way a retoucher would.

Public API (arrays follow STYLE.md: images H x W x 3 uint8 RGB, masks H x W
uint8 with 255 = act here)::

    import retouch
    image = retouch.read_image("photo.jpg")
    mask = retouch.read_mask("strokes.png")
    result = retouch.erase(image, mask)            # PatchMatch fill
    retouch.write_image("photo_erased.jpg", result)

Heavy modules load on first use, not at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retouch.core.errors import InputError, LimitError, OutputError, RetouchError
from retouch.core.io import read_image, read_mask, write_image, write_mask
from retouch.core.registry import create, list_methods

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "LimitError",
    "OutputError",
    "RetouchError",
    "create",
    "erase",
    "list_methods",
    "read_image",
    "read_mask",
    "write_image",
    "write_mask",
]

if TYPE_CHECKING:
    import numpy as np


def erase(image: np.ndarray, mask: np.ndarray, *, method: str = "patchmatch", **options: Any):
    """Fill the 255 pixels of ``mask`` in ``image``; see ``retouch.inpaint.erase``.

    Options: ``dilate_px``, ``seed``, ``source`` (mask of allowed source pixels),
    ``context``, ``progress``, and the method's own (``patch_size`` for patchmatch,
    ``radius`` for telea/ns).
    """
    from retouch.inpaint import erase as _erase

    return _erase(image, mask, method=method, **options)
