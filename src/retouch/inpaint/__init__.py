"""Inpainting: fill a masked region from its surroundings.

Importing this package registers every inpainting method (``retouch methods``).
"""

from retouch.core.tasks import TaskSpec, declare_task
from retouch.inpaint import (  # noqa: F401  (registers the methods)
    learned,
    opencv,
    patchmatch,
    refine,
)
from retouch.inpaint.base import erase

declare_task(
    TaskSpec(
        name="inpaint",
        verb="erase",
        takes=("image", "mask"),
        returns="image",
        summary="fill masked areas from their surroundings",
        description="Fill the painted areas of photos so they look untouched.",
    )
)

__all__ = ["erase"]
