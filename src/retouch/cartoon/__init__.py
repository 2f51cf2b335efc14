"""Cartoon: flat colours and the portrait's lines from a photo (``retouch cartoon``).

Importing this package registers the methods (``retouch methods cartoon``).
``retouch.cartoon(image, ...)`` is the public function (``retouch/__init__.py``); once
this package is imported ``retouch.cartoon`` is the package, so the package itself is
callable and calls that function (as ``retouch.segment``).
"""

from __future__ import annotations

from retouch.cartoon import flat  # noqa: F401  (registers the methods)
from retouch.core.modules import make_callable
from retouch.core.tasks import TaskSpec, declare_task

make_callable(__name__, "_cartoon")

declare_task(
    TaskSpec(
        name="cartoon",
        verb="cartoon",
        takes=("image",),
        returns="image",
        summary="cartoon: flat colours with line art on top, at full resolution",
        description="Turn a photo into a cartoon: edge-preserving smoothing, K flat "
        "colours (k-means in CIELAB) and the portrait line art on top.",
    )
)
