"""``retouch.batch``: every photo of a folder through one task, on a Dask cluster.

::

    import retouch
    summary = retouch.batch("erase", "shoot/", "clean/", mask="masks/", method="telea")
    summary.done, summary.failed, summary.manifest

    from distributed import Client
    with Client("tcp://10.0.0.5:8786") as client:       # a cluster that is running
        retouch.batch("skin", "s3://bucket/in", "s3://bucket/masks", client=client)

Every option is checked, and every photo paired with its output and mask, before a
cluster is started or a photo is read (``prepare_batch``); a bad value is one
``InputError``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from retouch.core.errors import InputError
from retouch.core.registry import get
from retouch.core.tasks import task_for_verb
from retouch.distributed import storage
from retouch.distributed.cluster import DEFAULT_RETRIES, open_client
from retouch.distributed.engine import BatchSummary, Progress, run_batch
from retouch.distributed.jobs import PhotoJob, RunSpec
from retouch.distributed.plan import plan_photos
from retouch.photo import PhotoSettings

__all__ = ["PreparedBatch", "batch", "check_settings", "execute", "prepare_batch"]

SETTINGS = tuple(f.name for f in fields(PhotoSettings))


@dataclass(frozen=True)
class PreparedBatch:
    """A checked batch: what to do (``run``), to which photos (``jobs``), into ``output``."""

    run: RunSpec
    jobs: list[PhotoJob]
    output: str


def prepare_batch(
    task: str,
    inputs: str,
    outputs: str,
    *,
    method: str | None = None,
    mask: str | None = None,
    source: str | None = None,
    settings: PhotoSettings | None = None,
    options: dict[str, Any] | None = None,
) -> PreparedBatch:
    """Check the task, method, options and settings, and plan every photo.

    Parameters
    ----------
    task : a task's verb or name (``"erase"``, ``"inpaint"``, ``"skin"``, ...).
    inputs, outputs : folders, as paths or fsspec URLs.
    method : one of the task's methods (None: its default).
    mask : for an edit task, a mask file or a folder of masks named like the photos.
    source : for erase, a mask of where fill material may come from.
    settings : quality, pixel limit and the task's own flags (None: the defaults).
    options : the method's own options (``{"radius": 5}``).

    Returns
    -------
    The ``PreparedBatch``; raises InputError for anything that is wrong.
    """
    spec = task_for_verb(task)
    info = get(spec.name, method)
    checked = info.check_options(dict(options or {}))
    settings = settings or PhotoSettings()
    check_settings(spec.name, settings)
    if source is not None and spec.name != "inpaint":
        raise InputError(f"source applies to erase only, not to {spec.verb}")
    inputs, outputs = storage.normalise(inputs), storage.normalise(outputs)
    mask = None if mask is None else storage.normalise(mask)
    jobs = plan_photos(inputs, outputs, spec=spec, settings=settings, mask=mask)
    source = None if source is None else storage.normalise(source)
    run = RunSpec(spec.name, info.name, checked, settings, source_mask=source)
    return PreparedBatch(run, jobs, outputs)


def check_settings(task: str, settings: PhotoSettings) -> None:
    """InputError for settings that do not go together or that the task does not take."""
    looks = [k for k in ("soft", "overlay", "cutout") if getattr(settings, k)]
    if len(looks) > 1:
        raise InputError(f"choose one of {', '.join(looks)}, not several")
    if task == "inpaint":
        from retouch.inpaint.base import check_erase_options

        check_erase_options(
            dilate_px=settings.dilate, seed=settings.seed, grow_halo=settings.grow_halo
        )
    elif settings.dilate or settings.seed or settings.grow_halo:
        raise InputError("dilate, grow_halo and seed apply to erase only")


def batch(
    task: str,
    inputs: str,
    outputs: str,
    *,
    client: Any = None,
    workers: int | None = None,
    resume: bool = False,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
    **options: Any,
) -> BatchSummary:
    """Run ``task`` on every photo in ``inputs``, writing ``outputs`` and its manifest.

    Parameters
    ----------
    task, inputs, outputs : as in ``prepare_batch``.
    options : ``method``, ``mask`` and ``source`` as in ``prepare_batch``; the
        ``PhotoSettings`` fields (``quality``, ``dilate``, ``seed``, ``soft``, ...) by
        name; anything else is an option of the method (``radius=5``).
    client : a ``distributed.Client`` to run on; None starts a local cluster of
        ``workers`` processes (default: one per core) and stops it afterwards.
    resume : skip photos whose output is unchanged since an ok line of the manifest.
    retries : times a photo is run again after an unexpected error or a dead worker.
    progress : called with each photo's manifest record as it arrives.

    Returns
    -------
    A ``BatchSummary``: done, skipped, failed (input, error), the manifest's location.

    >>> retouch.batch("erase", "in/", "out/", mask="masks/", method="telea")  # doctest: +SKIP
    BatchSummary(manifest='.../out/retouch-manifest.jsonl', done=12, ...)
    """
    names = {"method", "mask", "source"}
    settings = PhotoSettings(**{k: v for k, v in options.items() if k in SETTINGS})
    prepared = prepare_batch(
        task,
        inputs,
        outputs,
        settings=settings,
        options={k: v for k, v in options.items() if k not in SETTINGS and k not in names},
        **{k: v for k, v in options.items() if k in names},
    )
    if client is not None:
        return execute(prepared, client, resume=resume, retries=retries, progress=progress)
    with open_client(workers=workers, retries=retries) as own:
        return execute(prepared, own, resume=resume, retries=retries, progress=progress)


def execute(
    prepared: PreparedBatch,
    client: Any,
    *,
    resume: bool = False,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
) -> BatchSummary:
    """Run a ``PreparedBatch`` on ``client`` (see ``run_batch``)."""
    return run_batch(
        client,
        prepared.jobs,
        prepared.run,
        prepared.output,
        resume=resume,
        retries=retries,
        progress=progress,
    )
