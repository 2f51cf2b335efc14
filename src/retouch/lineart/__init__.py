"""Line art: black lines on white paper from a photo (``retouch lineart``).

Importing this package registers the methods (``retouch methods lineart``): ``xdog``,
``hed``, ``portrait`` (the default) and ``trained`` (your own model from
``retouch train pairs``).
"""

from __future__ import annotations

from retouch.core.tasks import TaskSpec, declare_task
from retouch.lineart import hed, portrait, trained, xdog  # noqa: F401  (registers the methods)

declare_task(
    TaskSpec(
        name="lineart",
        verb="lineart",
        takes=("image",),
        returns="image",
        summary="line art: black lines on white paper, at full resolution",
        description="Turn a photo into line art: XDoG, the HED edge network, or a "
        "portrait drawing (HED structure, XDoG facial detail, background removed).",
    )
)
