"""What the client sends to the workers: one ``RunSpec`` per batch, one ``PhotoJob`` per
photo. Both are small frozen records that pickle cheaply; locations are local paths or
fsspec URLs (``storage``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from retouch.photo import PhotoSettings

__all__ = ["PhotoJob", "RunSpec"]


@dataclass(frozen=True)
class RunSpec:
    """The task, method, options and settings every photo of a batch is run with.

    ``task``: the registry name (``"inpaint"``); ``method``: a method name; ``options``:
    the method's options, already checked (``MethodInfo.check_options``); ``settings``:
    quality, pixel limit and the task's own flags; ``source_mask``: erase's
    ``--source`` mask (a location), or None.
    """

    task: str
    method: str
    options: dict[str, Any] = field(default_factory=dict)
    settings: PhotoSettings = field(default_factory=PhotoSettings)
    source_mask: str | None = None

    def fingerprint(self) -> dict[str, Any]:
        """JSON-ready: what must be equal for an earlier output to count as this run's."""
        return json.loads(
            json.dumps(
                {
                    "task": self.task,
                    "method": self.method,
                    "options": self.options,
                    "settings": self.settings.describe(),
                },
                sort_keys=True,
            )
        )

    def cache_key(self) -> tuple[str, str, str]:
        """(task, method, options as JSON): one loaded model per key and worker process."""
        return self.task, self.method, json.dumps(self.options, sort_keys=True)


@dataclass(frozen=True)
class PhotoJob:
    """One photo: where it is, where its result goes, its mask.

    ``mask``: the mask location for an edit task (None: no mask, see ``mask_error``).
    ``previous``: (input sha256, output sha256) of an earlier ok result of the same
    run; the worker skips the photo when both still match.
    """

    index: int
    source: str
    target: str
    mask: str | None = None
    mask_error: str | None = None
    previous: tuple[str, str] | None = None

    def key(self, run_id: str) -> str:
        """The Dask key of this photo's task in run ``run_id``: ``retouch-RUN-INDEX``."""
        return f"retouch-{run_id}-{self.index}"
