"""What runs on a Dask worker: one photo through ``retouch.photo.process_photo``.

Each worker process keeps the methods it has built (a loaded model, say) in a cache
keyed on (task, method, options), so a model is loaded once per process and reused for
every photo, whatever Dask task the photo arrives in. A photo that cannot be used (a
``RetouchError``: corrupt, no mask, over the pixel limit) comes back as a ``failed``
record; any other exception is raised, so that Dask retries the photo (``retries``).
"""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from retouch.core.errors import InputError, RetouchError
from retouch.core.registry import Method, create
from retouch.core.tasks import get_task
from retouch.distributed import storage
from retouch.distributed.jobs import PhotoJob, RunSpec
from retouch.photo import process_photo

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # without Dask, only the per-photo functions are used
    WorkerPlugin = object

__all__ = ["IgnoreCtrlC", "cached_method", "method_loads", "one_line", "run_photo"]

_CACHE: dict[tuple[str, str, str], Method] = {}
_LOADS: Counter[tuple[str, str, str]] = Counter()
_LOCK = threading.Lock()


def cached_method(run: RunSpec) -> Method:
    """The method of ``run``, built on first use in this process and kept.

    Parameters
    ----------
    run : the batch's task, method and options.

    Returns
    -------
    The bound ``Method`` (the same object for every photo of the same key).
    """
    key = run.cache_key()
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = create(run.task, run.method, **run.options)
            _LOADS[key] += 1
        return _CACHE[key]


def method_loads() -> dict[str, int]:
    """How many times each (task, method, options) was built in this process, keyed
    ``"task/method/options-json"``: 1 each when models are reused (for tests and logs)."""
    return {"/".join(key): count for key, count in _LOADS.items()}


def run_photo(job: PhotoJob, run: RunSpec) -> dict[str, Any]:
    """Run one photo; returns its manifest record (status ``ok``, ``failed`` or
    ``skipped``: unchanged since an earlier ok run, ``job.previous``).

    Parameters
    ----------
    job : the photo, its target and mask.
    run : the batch's task, method, options and settings.

    Returns
    -------
    A JSON-ready dict with the manifest's fields (``manifest.Record``).
    """
    start = time.perf_counter()
    record = base_record(job, run)
    try:
        with tempfile.TemporaryDirectory(prefix="retouch-photo-") as tmp:
            record.update(_run(job, run, Path(tmp)))
    except RetouchError as exc:
        record.update(status="failed", error=one_line(exc, job.source))
    record["seconds"] = round(time.perf_counter() - start, 4)
    return record


def _run(job: PhotoJob, run: RunSpec, tmp: Path) -> dict[str, Any]:
    spec = get_task(run.task)
    with storage.local_copy(job.source, tmp) as source:
        input_sha = storage.sha256_file(source)
        if _unchanged(job, input_sha):
            return {
                "status": "skipped",
                "input_sha256": input_sha,
                "output_sha256": job.previous[1],
            }
        if spec.needs_mask and job.mask is None:
            raise InputError(job.mask_error or f"{job.source}: no mask")
        local = storage.is_local(job.target)
        target = Path(job.target) if local else tmp / storage.name_of(job.target)
        with (
            storage.local_copy(job.mask, tmp) as mask,
            storage.local_copy(run.source_mask, tmp) as source_mask,
        ):
            method = cached_method(run)
            try:
                process_photo(
                    spec, method, source, target, run.settings, mask=mask, source_mask=source_mask
                )
            except RetouchError as exc:
                if str(source) == job.source:
                    raise
                raise InputError(str(exc).replace(str(source), job.source)) from None  # a copy
        output_sha = storage.sha256_file(target)
        storage.publish(target, job.target)
    return {"status": "ok", "input_sha256": input_sha, "output_sha256": output_sha}


def _unchanged(job: PhotoJob, input_sha: str) -> bool:
    """True when an earlier ok result of this run is still the output of this input."""
    if job.previous is None or job.previous[0] != input_sha:
        return False
    return storage.sha256_of(job.target) == job.previous[1]


def base_record(job: PhotoJob, run: RunSpec) -> dict[str, Any]:
    """A manifest record of ``job`` with no outcome yet (status ``failed``, no hashes)."""
    return {
        **run.fingerprint(),
        "input": job.source,
        "output": job.target,
        "input_sha256": None,
        "output_sha256": None,
        "status": "failed",
        "error": "",
        "seconds": 0.0,
        "worker": _worker_name(),
    }


def one_line(exc: BaseException, source: str) -> str:
    """``exc`` as one line, without the photo's own location in front."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.removeprefix(f"{source}: ")


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


class IgnoreCtrlC(WorkerPlugin):
    """Worker processes of a local cluster leave Ctrl-C to the client.

    A terminal's Ctrl-C reaches every process of its group; the client cancels the
    batch and stops the cluster, so the workers need not print a traceback each.
    """

    name = "retouch-ignore-ctrl-c"

    def setup(self, worker: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
