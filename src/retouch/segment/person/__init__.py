"""Person segmentation: masks of every person in a photo (``retouch person``).

Importing this package registers the methods (``retouch methods person``).
"""

from __future__ import annotations

import numpy as np

from retouch.core.registry import create
from retouch.core.tasks import TaskSpec, declare_task
from retouch.segment.person import models  # noqa: F401  (registers the methods)
from retouch.segment.person.base import PersonSegmenter, person_box

__all__ = ["PersonSegmenter", "person_box", "segment_person"]

declare_task(
    TaskSpec(
        name="person",
        verb="person",
        takes=("image",),
        returns="mask",
        summary="masks of the people in photos (0/255, full resolution)",
        description="Segment every person, including small figures in group photos. "
        "Writes 0/255 masks at the input's resolution.",
        soft="the confidence that each pixel belongs to a person",
        ground_truth=True,
    )
)


def segment_person(
    image: np.ndarray, *, method: str | None = None, soft: bool = False, **options
) -> np.ndarray:
    """Mask of every person in ``image`` (H x W x 3 uint8 RGB).

    Returns H x W uint8 0/255, or with ``soft`` the H x W float32 [0, 1] confidence.
    An image with no person gives an all-zero mask (and a logged warning).

    >>> segment_person(np.zeros((64, 64, 3), np.uint8)).max()  # doctest: +SKIP
    0
    """
    model = create("person", method, **options)
    return model.soft(image) if soft else model(image)
