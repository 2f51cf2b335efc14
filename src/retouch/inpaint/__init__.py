"""Inpainting: fill a masked region from its surroundings.

Importing this package registers every inpainting method (``retouch methods``).
"""

from retouch.inpaint import opencv, patchmatch  # noqa: F401  (registers the methods)
from retouch.inpaint.base import erase

__all__ = ["erase"]
