"""How the HTTP API answers errors: a status code and a JSON body ``{"error": "..."}``.

Decoding an upload fails with 400 (not an image, truncated, empty), a limit with
413, a well-formed request that cannot be processed with 422 (missing or bad
field, unknown method, mask of another size), an unknown task with 404, an
``Accept`` header asking for neither PNG nor JPEG with 406, an unknown job with
404, the result of a job that is not over with 409, a missing model, a request over
the time limit, cancelled work (the client left, the server is stopping, the job was
cancelled) or too many jobs with 503. A request for another host or from another site's page gets
403 from ``HostOriginMiddleware`` before it gets here. Anything else is logged
with its traceback and answered 500 without one.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from retouch.core.cancel import Cancelled
from retouch.core.errors import InputError, LimitError, RetouchError
from retouch.core.weights import MissingModelError

__all__ = [
    "JobCancelledError",
    "JobNotOverError",
    "NotAcceptableError",
    "RequestTimeoutError",
    "TooManyJobsError",
    "UnknownJobError",
    "UnknownTaskError",
    "UploadError",
    "install_error_handlers",
    "json_error",
]

log = logging.getLogger("retouch.server")


class UploadError(InputError):
    """An uploaded file is not a usable image (400)."""


class NotAcceptableError(RetouchError):
    """The ``Accept`` header allows none of the formats the API writes (406)."""


class RequestTimeoutError(RetouchError):
    """The request's work did not finish within the server's time limit (503)."""


class UnknownJobError(RetouchError):
    """No job with this id: never made, its result already read, or forgotten (404)."""


class JobNotOverError(RetouchError):
    """A job's result is asked for before the job is over (409)."""


class JobCancelledError(RetouchError):
    """A job's key was cancelled before its request arrived (409)."""


class TooManyJobsError(RetouchError):
    """The server keeps no more jobs now (503)."""


class UnknownTaskError(RetouchError):
    """No endpoint for this task (404); ``tasks`` lists the valid ones."""

    def __init__(self, task: str, tasks: list[str]):
        super().__init__(f"unknown task {task!r}; valid tasks: {', '.join(tasks)}")
        self.tasks = tasks


_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (LimitError, 413),
    (UploadError, 400),
    (InputError, 422),
    (UnknownTaskError, 404),
    (UnknownJobError, 404),
    (JobNotOverError, 409),
    (JobCancelledError, 409),
    (TooManyJobsError, 503),
    (NotAcceptableError, 406),
    (RequestTimeoutError, 503),
    (Cancelled, 503),
    (MissingModelError, 503),
)


def status_for(exc: RetouchError) -> int:
    """The HTTP status of a retouch error (500 for one the API does not expect)."""
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)


def json_error(status: int, message: str, **extra) -> JSONResponse:
    """A JSON error response: ``{"error": message, **extra}``."""
    return JSONResponse({"error": message, **extra}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", ""))
    return "; ".join(parts) or "invalid request"


async def _on_retouch(request: Request, exc: RetouchError) -> JSONResponse:
    status = status_for(exc)
    if status == 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    extra = {"tasks": exc.tasks} if isinstance(exc, UnknownTaskError) else {}
    return json_error(status, str(exc), **extra)


async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    return json_error(422, _validation_message(exc))


async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(
        {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s crashed", request.method, request.url.path)
    return json_error(500, "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Route every error to a JSON ``{"error": ...}`` response with a fitting status."""
    app.add_exception_handler(RetouchError, _on_retouch)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_crash)
