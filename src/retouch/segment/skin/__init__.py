"""Skin segmentation: colour rules, the learned colour table, the face-adaptive method and
our trained networks (``u2netp``, ``effnet``).

Importing this package registers the methods (``retouch methods skin``).
"""

from __future__ import annotations

from retouch.core.tasks import TaskSpec, declare_task
from retouch.segment.skin import adaptive, bayes, effnet, network, rules  # noqa: F401  (registers)

declare_task(
    TaskSpec(
        name="skin",
        verb="skin",
        takes=("image",),
        returns="mask",
        summary="masks of visible skin",
        description="Segment skin: colour rules, the learned colour table, the "
        "face-adaptive colour model or our trained networks.",
        soft="the probability that each pixel is skin",
        ground_truth=True,
    )
)
