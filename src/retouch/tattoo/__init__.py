"""Tattoo removal: find the ink on skin and fill it so it looks like the skin around it.

Importing this package declares the ``tattoo`` task (``retouch tattoo``, ``POST
/api/v1/tattoo``) and registers its methods (``retouch methods tattoo``):
``detect-fill`` (the default: our tattoo ink network, ``network.py``, extended over
the skin-colour departures it touches) and ``classical-fill`` (no network: the skin
colour model alone); both then fill the same way. A user's own mask (a hand-drawn one,
the seed's v2 workflow) replaces the detection.

>>> import retouch  # doctest: +SKIP
>>> clean = retouch.remove_tattoos(image)  # doctest: +SKIP
>>> mask = retouch.detect_tattoos(image)  # doctest: +SKIP
"""

from __future__ import annotations

from retouch.core.tasks import TaskSpec, declare_task
from retouch.tattoo import classical, network  # noqa: F401  (registers the methods)

declare_task(
    TaskSpec(
        name="tattoo",
        verb="tattoo",
        takes=("image", "mask"),
        returns="image",
        summary="remove tattoos: find the ink on skin and fill it from the skin around it",
        description="Remove tattoos at full resolution: only the tattoo's pixels change. "
        "The ink is found on the skin unless a mask is given (--mask: a hand-drawn mask "
        "replaces the detection); --mask-only writes the 0/255 tattoo mask instead.",
        detects="tattoo ink",
        ground_truth=True,
    )
)
