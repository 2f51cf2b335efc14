"""Long work as a job: started by a task request, polled for progress, cancelled, read once.

A task request sent with ``Prefer: respond-async`` (RFC 7240) is answered at once with
``202 {"id": ..., "status": "/api/v1/jobs/ID"}``; its work runs in the same worker
pool, under the same pixel budget and time limit as a request that waits for its
answer. ``GET /api/v1/jobs/ID`` says its state (``queued``, ``running``, ``done``,
``failed``, ``cancelled``) and progress (holes filled of all holes, for erase);
``?wait=S`` answers as soon as the job is over, or after ``S`` seconds.
``GET /api/v1/jobs/ID/result`` answers the image once (then the job is forgotten),
or the job's error with its status. ``DELETE /api/v1/jobs/ID`` cancels it: queued
work is dropped and running work stops at its next ``check_cancelled()``.

A job's id is random (it is the only key to its result); at most ``MAX_JOBS`` are
kept, finished ones are forgotten ``KEEP_S`` after they end.

A client that may give up before it reads the 202 (a page whose upload is cancelled
once the body has been sent) names the job itself: the request's ``Job-Key`` header
(16-64 letters, digits, ``-`` or ``_``, random) and ``DELETE /api/v1/jobs?key=K`` cancel
it without its id. A key cancelled before its request arrives is remembered for
``KEEP_S``, and that request is then refused (409) instead of starting work nobody reads.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from retouch.core.cancel import Cancelled
from retouch.core.errors import InputError, RetouchError
from retouch.server.engine import Engine
from retouch.server.errors import (
    JobCancelledError,
    JobNotOverError,
    TooManyJobsError,
    UnknownJobError,
    status_for,
)

__all__ = ["KEEP_S", "MAX_JOBS", "Job", "Jobs", "check_key"]

log = logging.getLogger("retouch.server")

MAX_JOBS = 32
KEEP_S = 600.0
FINAL = ("done", "failed", "cancelled")
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")

# The work of a job: called in a worker with a progress callback ``(done, total)``.
Work = Callable[[Callable[[int, int], None]], bytes]


@dataclass
class Job:
    """One piece of work and what became of it."""

    id: str
    task: str
    media_type: str
    key: str | None = None
    state: str = "queued"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    result: bytes | None = None
    error: str | None = None
    status: int | None = None
    runner: asyncio.Task | None = None
    over: asyncio.Event = field(default_factory=asyncio.Event)

    def describe(self) -> dict[str, Any]:
        """The job's state as ``GET /api/v1/jobs/ID`` answers it."""
        end = self.ended if self.ended is not None else time.monotonic()
        out: dict[str, Any] = {
            "id": self.id,
            "task": self.task,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "progress": self.done / self.total if self.total else None,
            "elapsed_s": round(end - self.started, 3),
        }
        if self.error is not None:
            out.update(error=self.error, status=self.status)
        return out

    def progress(self, done: int, total: int) -> None:
        """Called by the work in its thread: plain assignments, read by the event loop."""
        self.state = "running"
        self.done, self.total = int(done), int(total)


class Jobs:
    """The jobs of one app; use it from the event loop's thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._jobs: dict[str, Job] = {}
        self._dropped: dict[str, float] = {}  # keys cancelled before their job started

    def start(
        self, task: str, work: Work, *, pixels: int, media_type: str, key: str | None = None
    ) -> Job:
        """Queue ``work`` as a new job; TooManyJobsError (503) when ``MAX_JOBS`` are kept,
        JobCancelledError (409) when its ``key`` was cancelled before it came."""
        self._forget_old()
        if key is not None and self._dropped.pop(key, None) is not None:
            raise JobCancelledError(f"job key {key} was cancelled before its request arrived")
        if key is not None and any(j.key == key for j in self._jobs.values()):
            raise InputError(f"Job-Key {key} is already in use; send a new random key")
        if len(self._jobs) >= MAX_JOBS:
            raise TooManyJobsError(
                f"the server keeps at most {MAX_JOBS} jobs and all are running or unread; "
                "read or cancel one, or try again later"
            )
        job = Job(id=secrets.token_urlsafe(12), task=task, media_type=media_type, key=key)

        def run() -> bytes:
            job.state = "running"
            return work(job.progress)

        job.runner = asyncio.ensure_future(self._run(job, run, pixels))
        self._jobs[job.id] = job
        return job

    async def _run(self, job: Job, run: Callable[[], bytes], pixels: int) -> None:
        try:
            job.result = await self.engine.run(run, pixels=pixels)
            job.state = "done"
        except asyncio.CancelledError:
            job.state, job.status = "cancelled", 503
            job.error = "the job was cancelled"
        except Cancelled as exc:
            job.state, job.status, job.error = "cancelled", 503, str(exc)
        except RetouchError as exc:
            job.state, job.status, job.error = "failed", status_for(exc), str(exc)
        except Exception:  # logged like a crashed request, answered without the traceback
            log.exception("job %s crashed", job.id)
            job.state, job.status = "failed", 500
            job.error = "internal error; the server log has the details"
        finally:
            job.ended = time.monotonic()
            job.over.set()

    def get(self, job_id: str) -> Job:
        """The job ``job_id``, or UnknownJobError (404)."""
        self._forget_old()
        job = self._jobs.get(job_id)
        if job is None:
            raise UnknownJobError(
                f"no job {job_id[:40]!r}: it never existed, its result was read, "
                f"or it ended more than {KEEP_S:g} s ago"
            )
        return job

    async def wait(self, job_id: str, seconds: float) -> Job:
        """The job once it is over, or after ``seconds``, whichever comes first."""
        job = self.get(job_id)
        if seconds > 0 and job.state not in FINAL:
            try:
                await asyncio.wait_for(job.over.wait(), seconds)
            except TimeoutError:
                pass
        return job

    def take(self, job_id: str) -> Job:
        """The finished job, forgotten now (its result is read once); 409 before its end."""
        job = self.get(job_id)
        if job.state not in FINAL:
            raise JobNotOverError(
                f"job {job_id} is {job.state}; ask GET /api/v1/jobs/{job_id}?wait=10 "
                "until it is over"
            )
        del self._jobs[job_id]
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel the job (nothing happens to one that is over)."""
        job = self.get(job_id)
        if job.state not in FINAL and job.runner is not None:
            job.runner.cancel()
        return job

    def cancel_key(self, key: str) -> Job | None:
        """Cancel the job started with ``key``; when none has, remember the key so its
        request, if it still comes, is refused. Returns the job, or None."""
        self._forget_old()
        job = next((j for j in self._jobs.values() if j.key == key), None)
        if job is None:
            if len(self._dropped) >= 4 * MAX_JOBS:  # bounded: the oldest key goes first
                del self._dropped[min(self._dropped, key=self._dropped.__getitem__)]
            self._dropped[key] = time.monotonic()
            return None
        return self.cancel(job.id)

    def close(self) -> None:
        for job in self._jobs.values():
            if job.runner is not None:
                job.runner.cancel()
        self._jobs.clear()

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id in [
            j.id for j in self._jobs.values() if j.ended is not None and now - j.ended > KEEP_S
        ]:
            del self._jobs[job_id]
        for key in [k for k, when in self._dropped.items() if now - when > KEEP_S]:
            del self._dropped[key]


def check_key(key: str) -> str:
    """``key`` when it is a usable ``Job-Key`` (16-64 of ``A-Za-z0-9_-``), else InputError."""
    if not _KEY.fullmatch(key):
        raise InputError(
            "Job-Key must be 16 to 64 letters, digits, '-' or '_' (a random string), "
            f"got {key[:80]!r}"
        )
    return key
