"""Removing people from photos: every person found, halo and shadow included.

Importing this package declares the ``people`` task (``retouch remove-people``,
``POST /api/v1/remove-people``) and registers its methods (``retouch methods people``):
``segment-fill`` (the default). By default every person goes; ``keep_largest`` keeps
the main subject, ``keep=N`` the N largest people, and ``select="X,Y ..."`` removes only
the people at those points (a click on the web page). A user's own mask replaces the
detection.

>>> import retouch  # doctest: +SKIP
>>> clean = retouch.remove_people(image, keep_largest=True)  # doctest: +SKIP
>>> mask = retouch.detect_people(image)  # doctest: +SKIP
"""

from __future__ import annotations

from retouch.core.tasks import TaskSpec, declare_task
from retouch.people import method  # noqa: F401  (registers the methods)

declare_task(
    TaskSpec(
        name="people",
        verb="remove-people",
        takes=("image", "mask"),
        returns="image",
        summary="remove people: find every person, their halo and shadow, and fill them in",
        description="Remove people at full resolution: only the removed people's pixels "
        "change. Every person is found (small figures too) unless a mask is given (--mask); "
        "--keep-largest keeps the main subject, --keep N the N largest people, --select X,Y "
        "(repeatable) removes only the people at those points; --mask-only writes the 0/255 "
        "mask of who goes.",
        detects="people's area",
        ground_truth=True,
        promoted=("keep_largest", "keep", "select"),
    )
)
