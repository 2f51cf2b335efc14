"""Run a planned batch on a Dask client and write the manifest as results arrive.

Every photo is one Dask task (``worker.run_photo``). Results are taken in the order
they finish; each is written to the manifest (one line, on the disk before the next is
taken) and passed to ``progress``. A photo whose worker died is run again elsewhere by
the scheduler (``allowed-failures``); one whose task raised an unexpected error is
retried ``retries`` times (Dask's ``retries``); one that still fails, or that cannot be
used at all, is recorded as failed and the batch goes on. On any exception, Ctrl-C
included, the photos not started are cancelled and the manifest is left whole.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from retouch.distributed import storage
from retouch.distributed.jobs import PhotoJob, RunSpec
from retouch.distributed.manifest import Manifest, latest_records
from retouch.distributed.worker import base_record, one_line, run_photo

__all__ = ["BatchSummary", "attach_previous", "run_batch"]

Progress = Callable[[dict[str, Any]], None]


@dataclass
class BatchSummary:
    """What a batch did: ``done`` photos written, ``skipped`` (unchanged since an
    earlier run, with ``resume``), ``failed`` as (input, one-line error), the manifest's
    location and the seconds it took."""

    manifest: str
    done: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Every photo of the batch."""
        return self.done + self.skipped + len(self.failed)

    def add(self, record: dict[str, Any]) -> None:
        """Count one photo's manifest record."""
        if record["status"] == "ok":
            self.done += 1
        elif record["status"] == "skipped":
            self.skipped += 1
        else:
            self.failed.append((record["input"], record["error"]))


def attach_previous(
    jobs: list[PhotoJob], run: RunSpec, records: dict[str, dict[str, Any]]
) -> list[PhotoJob]:
    """``jobs`` with ``previous`` set where the manifest has an ok result of the same run.

    Parameters
    ----------
    jobs : the planned photos.
    run : this batch's task, method, options and settings.
    records : the last manifest record per input file name (``latest_records``).

    Returns
    -------
    New jobs; the worker skips a photo whose input and output still have the
    recorded sha256s.
    """
    fingerprint = run.fingerprint()
    out = []
    for job in jobs:
        record = records.get(storage.name_of(job.source))
        same = (
            record is not None
            and record.get("status") == "ok"
            and record.get("output") == job.target
            and all(record.get(k) == v for k, v in fingerprint.items())
            and record.get("input_sha256")
            and record.get("output_sha256")
        )
        previous = (record["input_sha256"], record["output_sha256"]) if same else None
        out.append(replace(job, previous=previous))
    return out


def run_batch(
    client: Any,
    jobs: list[PhotoJob],
    run: RunSpec,
    output: str,
    *,
    resume: bool = False,
    retries: int = 3,
    progress: Progress | None = None,
) -> BatchSummary:
    """Run every job on ``client``; returns the summary once all are recorded.

    Parameters
    ----------
    client : a ``distributed.Client``.
    jobs, run : the photos (``plan_photos``) and what to do to them.
    output : the output folder, where the manifest is.
    resume : skip photos whose earlier ok result is unchanged (``attach_previous``).
    retries : times a photo whose task raised an unexpected error is run again.
    progress : called with each photo's record as it arrives.

    Returns
    -------
    The ``BatchSummary``.
    """
    from distributed import as_completed

    start = time.perf_counter()
    if resume:
        jobs = attach_previous(jobs, run, latest_records(output))
    run_id = secrets.token_hex(4)
    by_key = {job.key(run_id): job for job in jobs}
    with Manifest(output) as manifest:
        summary = BatchSummary(manifest=manifest.url)
        futures = client.map(
            run_photo, jobs, run=run, key=list(by_key), retries=retries, pure=False
        )
        try:
            for future, result in as_completed(futures, with_results=True, raise_errors=False):
                record = _record(result, by_key[future.key], run)
                if record["status"] != "skipped":
                    manifest.append(record)
                summary.add(record)
                if progress is not None:
                    progress(record)
                future.release()
        except BaseException:
            client.cancel(futures)
            raise
    summary.seconds = time.perf_counter() - start
    return summary


def _record(result: Any, job: PhotoJob, run: RunSpec) -> dict[str, Any]:
    """The worker's record, or a failed one for a task that raised (retries spent, or
    its workers kept dying: ``KilledWorker``)."""
    if isinstance(result, dict):
        return result
    record = base_record(job, run)
    name = type(result).__name__
    record.update(worker="", error=f"unexpected {name}: {one_line(result, job.source)}")
    return record
