"""Person segmentation: masks of every person in a photo (``retouch person``).

Importing this package registers the methods (``retouch methods person``).
"""

from __future__ import annotations

import numpy as np

from retouch.core.registry import create
from retouch.segment.person import models  # noqa: F401  (registers the methods)
from retouch.segment.person.base import PersonSegmenter, person_box

__all__ = ["PersonSegmenter", "person_box", "segment_person"]


def segment_person(
    image: np.ndarray, *, method: str | None = None, soft: bool = False, **options
) -> np.ndarray:
    """Mask of every person in ``image`` (H x W x 3 uint8 RGB).

    Returns H x W uint8: 0/255, or the 8-bit confidence when ``soft``. An image with
    no person gives an all-zero mask (and a logged warning).

    >>> segment_person(np.zeros((64, 64, 3), np.uint8)).max()  # doctest: +SKIP
    0
    """
    return create("person", method, **options)(image, soft=soft)
