"""``retouch batch`` on Dask: every photo of a folder through one task, on many workers.

- ``api``: ``batch()`` (the public entry, ``retouch.batch``) and ``prepare_batch()``.
- ``plan``: pairs each photo with its output and mask, refusing bad runs up front.
- ``engine``: submits one Dask task per photo, writes the manifest as results arrive.
- ``worker``: what runs on a worker (``retouch.photo.process_photo``, models cached).
- ``manifest``: the JSON-lines record of every photo, read back by ``--resume``.
- ``storage``: local paths and fsspec URLs; ``cluster``: the local or joined cluster.

Nothing here imports Dask until a batch runs, so the command line builds without it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["batch"]


def batch(task: str, inputs: str, outputs: str, **kwargs: Any):
    """``retouch.distributed.api.batch`` (imported on first use)."""
    from retouch.distributed.api import batch as _batch

    return _batch(task, inputs, outputs, **kwargs)
