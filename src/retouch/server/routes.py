"""The endpoints of API v1, one per declared task, built from its record (``core.tasks``).

Every task endpoint (``POST /api/v1/VERB``) takes a multipart form: ``image`` (and
``mask`` for a task that takes one) as files; ``method`` (choices and default from
the registry); each promoted option by name (face's ``part``); ``options``, a JSON
object of the method's options, checked by the registry (422 on a bad value);
``soft`` for a segmenter; ``dilate``, ``grow_halo`` and ``seed`` for erase; ``format`` and
``quality``. The result is PNG or JPEG: the ``format`` field unless it is ``auto``,
else the best of the two the ``Accept`` header allows, else PNG. Every status an
endpoint answers is documented with the JSON error schema.

Sent with ``Prefer: respond-async``, a task request is answered 202 with a job to
poll, read and cancel (``jobs.py``, ``/api/v1/jobs/ID``). ``POST /api/v1/probe``
decodes a photo as a task would and says its size and format, or refuses it as a
task would (400, 413): the web page asks it when a photo is opened.
"""

# No `from __future__ import annotations`: FastAPI reads these annotations at
# definition time, and the Literal choices are built per task in build_router.
import inspect
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from retouch.core.errors import InputError
from retouch.core.registry import get, list_methods
from retouch.core.tasks import TaskSpec, all_tasks
from retouch.server.engine import Engine
from retouch.server.errors import NotAcceptableError, UnknownTaskError, json_error
from retouch.server.jobs import Jobs, check_key
from retouch.server.negotiate import MEDIA_TYPES, choose_format
from retouch.server.tasks import (
    FILL_KEYWORDS,
    QUALITY,
    SVG_MEDIA,
    SVG_TASKS,
    declared_pixels,
    edit_fields,
    parse_options,
    probe_upload,
    run_task,
    server_limits,
    task_catalogue,
)

__all__ = ["ErrorBody", "JobBody", "ProbeBody", "build_router", "tidy_openapi"]

# Paths under /api/v1 that are not tasks, and the HTTP method each takes.
FIXED = {"methods": "GET", "probe": "POST"}

Format = Literal["auto", "png", "jpeg", "jpg", "svg"]


class ErrorBody(BaseModel):
    """Every error answer: one line saying what is wrong and what to do."""

    error: str
    tasks: list[str] | None = None


class JobBody(BaseModel):
    """A job's state: ``progress`` is ``done / total`` (erase's holes), null while unknown;
    ``error`` and ``status`` say why a failed or cancelled job ended."""

    id: str
    task: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    done: int
    total: int
    progress: float | None
    elapsed_s: float
    error: str | None = None
    status: int | None = None


class KeyCancelBody(BaseModel):
    """What ``DELETE /api/v1/jobs?key=K`` did: the job it cancelled, or null when no job
    has that key yet (its request, if it still comes, is refused with 409)."""

    key: str
    job: JobBody | None


class ProbeBody(BaseModel):
    """A photo as a task would read it: its size, format, and the answer format that
    keeps it as it came (``output``: jpeg for a JPEG, else png)."""

    width: int
    height: int
    pixels: int
    format: str
    output: Literal["png", "jpeg"]
    alpha: bool
    exif: bool
    icc: bool


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "an upload is not a readable image",
        403: "the request names another host or comes from another site's page",
        404: "no such task or job; `tasks` lists the valid tasks",
        405: "the endpoint does not take this HTTP method (see the Allow header)",
        406: "the Accept header allows neither PNG nor JPEG",
        409: "the job is not over yet",
        413: "the request or an image is over the server's limits",
        422: "a field is missing or invalid, or the mask does not fit the image",
        503: "a model is not installed, the request ran over the time limit or was "
        "cancelled, or the server keeps no more jobs",
    }
    return {code: {"model": ErrorBody, "description": text[code]} for code in codes}


_BINARY = {"schema": {"type": "string", "format": "binary"}}
_IMAGE = {200: {"content": {t: _BINARY for t in MEDIA_TYPES.values()}, "description": "the result"}}
_VECTOR = {
    200: {
        "content": {t: _BINARY for t in (*MEDIA_TYPES.values(), SVG_MEDIA)},
        "description": "the result; with format=svg its strokes as SVG paths",
    }
}
_ACCEPTED = {
    202: {"model": JobBody, "description": "with `Prefer: respond-async`: the job started"}
}
_TASK_RESPONSES = {**_IMAGE, **_ACCEPTED, **_errors(400, 403, 406, 413, 422, 503)}


def _output(fmt: str, accept: str, spec: TaskSpec) -> str:
    if fmt == "svg":
        if spec.name not in SVG_TASKS:
            raise InputError(f"format=svg is for {', '.join(SVG_TASKS)} only, not {spec.verb}")
        return "SVG"
    chosen = choose_format(None if fmt == "auto" else fmt, accept)
    if chosen is None:
        raise NotAcceptableError(
            f"cannot answer with {accept!r}; accept image/png or image/jpeg, "
            "or send the form field format=png|jpeg"
        )
    return chosen


def _media(fmt: str) -> str:
    return SVG_MEDIA if fmt == "SVG" else MEDIA_TYPES[fmt]


def build_router(engine: Engine, jobs: Jobs) -> APIRouter:
    """The v1 router: the catalogue, the probe, jobs and one endpoint per declared task."""
    router = APIRouter(prefix="/api/v1")
    _add_methods(router, engine)
    _add_probe(router, engine)
    _add_jobs(router, jobs)
    specs = all_tasks()
    for spec in specs:
        _add_task(router, engine, jobs, spec)
    verbs = sorted(s.verb for s in specs)

    async def other(task: str, request: Request) -> Response:
        """Answers what no endpoint does: an unknown task (404, with the valid ones) or
        an HTTP method a known endpoint does not take (405, with ``Allow``)."""
        allowed = FIXED.get(task) or ("POST" if task in verbs else None)
        if allowed is None and request.method in ("GET", "POST"):
            raise UnknownTaskError(task, verbs)
        allowed = allowed or "GET, POST"  # what this path answers (404 for an unknown task)
        raise HTTPException(
            405,
            f"{request.method} is not allowed here; use {allowed}",
            headers={"Allow": allowed},
        )

    for verb in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        router.add_api_route(
            "/{task}",
            other,
            methods=[verb],
            summary="Any other path: 404 for an unknown task, 405 for a known one",
            responses=_errors(403, 404, 405),
            response_class=Response,
            operation_id=f"other_{verb.lower()}",
            include_in_schema=verb in ("GET", "POST"),
        )
    return router


def tidy_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop FastAPI's own 422 (``HTTPValidationError``), which this API never answers:
    its validation errors are ``ErrorBody`` (documented where they can happen)."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            response = operation.get("responses", {}).get("422", {})
            if "HTTPValidationError" in str(response):
                del operation["responses"]["422"]
            if operation.get("operationId", "").startswith("other_"):
                operation["responses"].pop("200", None)  # it only ever answers errors
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    return schema


def _add_methods(router: APIRouter, engine: Engine) -> None:
    limits = server_limits(engine.settings)

    @router.get(
        "/methods", summary="Tasks, their endpoints and their methods", responses=_errors(403)
    )
    async def methods() -> dict[str, Any]:
        """Every task the API serves: its endpoint, what it takes and returns, its methods
        (default first) with their options' JSON schemas, and its other form fields;
        ``limits``: the largest image and request, the formats read and written."""
        return {"tasks": task_catalogue(), "limits": limits}


def _add_probe(router: APIRouter, engine: Engine) -> None:
    @router.post(
        "/probe",
        summary="Read a photo as a task would: its size and format, or why it is refused",
        responses=_errors(400, 403, 413, 422, 503),
    )
    async def probe(
        request: Request,
        image: Annotated[UploadFile, File(description="the photo")],
    ) -> ProbeBody:
        """Decodes the whole image (a truncated file is refused here, as a task would)."""
        data = await image.read()
        pixels = declared_pixels(data, limit=engine.settings.max_pixels)
        answer = await engine.run(lambda: probe_upload(engine, data), pixels=pixels, client=request)
        return ProbeBody(**answer)


def _add_jobs(router: APIRouter, jobs: Jobs) -> None:
    @router.get(
        "/jobs/{job_id}", summary="A job's state and progress", responses=_errors(403, 404, 422)
    )
    async def job_state(
        job_id: str,
        wait: Annotated[
            float, Query(ge=0, le=30, description="wait up to this many seconds for the end")
        ] = 0,
    ) -> JobBody:
        return JobBody(**(await jobs.wait(job_id, wait)).describe())

    @router.get(
        "/jobs/{job_id}/result",
        summary="A finished job's image (read once), or its error",
        response_class=Response,
        responses={**_IMAGE, **_errors(400, 403, 404, 406, 409, 413, 422, 503)},
    )
    async def job_result(job_id: str) -> Response:
        job = jobs.take(job_id)
        if job.state != "done":
            return json_error(job.status or 500, job.error or job.state)
        return Response(content=job.result, media_type=job.media_type)

    @router.delete(
        "/jobs/{job_id}", summary="Cancel a job: its work stops", responses=_errors(403, 404)
    )
    async def job_cancel(job_id: str) -> JobBody:
        return JobBody(**jobs.cancel(job_id).describe())

    @router.delete(
        "/jobs",
        summary="Cancel the job started with a Job-Key (before its id is known)",
        responses=_errors(403, 422),
    )
    async def job_cancel_key(
        key: Annotated[str, Query(description="the request's Job-Key header")],
    ) -> KeyCancelBody:
        job = jobs.cancel_key(check_key(key))
        return KeyCancelBody(key=key, job=None if job is None else JobBody(**job.describe()))

    for path, allowed in (
        ("/jobs", "DELETE"),
        ("/jobs/{job_id}", "GET, DELETE"),
        ("/jobs/{job_id}/result", "GET"),
    ):
        _refuse_other_methods(router, path, allowed)


def _refuse_other_methods(router: APIRouter, path: str, allowed: str) -> None:
    """405 with an ``Allow`` that lists every method ``path`` takes (Starlette's own
    names only the first route's)."""

    async def refuse(request: Request) -> Response:
        raise HTTPException(
            405,
            f"{request.method} is not allowed here; use {allowed}",
            headers={"Allow": allowed},
        )

    taken = {m.strip() for m in allowed.split(",")}
    others = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS") if m not in taken]
    router.add_api_route(path, refuse, methods=others, include_in_schema=False)


def _parameters(spec: TaskSpec) -> list[inspect.Parameter]:
    """The endpoint's parameters, as FastAPI reads them, from the task's record."""
    default = get(spec.name)
    names = tuple(m.name for m in list_methods(spec.name))

    def form(name: str, annotation: Any, value: Any) -> inspect.Parameter:
        return inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=value, annotation=annotation
        )

    params = [
        form("request", Request, inspect.Parameter.empty),
        form(
            "image",
            Annotated[UploadFile, File(description="the photo (JPEG, PNG, WebP, TIFF, BMP)")],
            inspect.Parameter.empty,
        ),
    ]
    if "mask" in spec.takes:
        about = "the image's size: white, strokes on black or alpha = act here"
        params.append(
            form(
                "mask",
                Annotated[UploadFile, File(description=about)]
                if spec.needs_mask
                else Annotated[
                    UploadFile | None,
                    File(description=f"{about}; leave it out to find the {spec.detects}"),
                ],
                inspect.Parameter.empty if spec.needs_mask else None,
            )
        )
    if spec.detects:
        params.append(
            form(
                "mask_only",
                Annotated[
                    Literal["false", "true"],
                    Form(
                        description=f"true: answer the 0/255 mask of the {spec.detects} "
                        "(the given or the detected one) instead of the result"
                    ),
                ],
                "false",
            )
        )
    params.append(
        form(
            "method",
            Annotated[
                Literal[names], Form(description=f"{spec.verb} method (see GET /api/v1/methods)")
            ],
            default.name,
        )
    )
    for name in spec.promoted:
        annotation, value = _promoted_field(name, default.specs[name].json_schema())
        params.append(form(name, annotation, value))
    params.append(
        form(
            "options",
            Annotated[
                str,
                Form(
                    description='the method\'s options as a JSON object, e.g. {"threshold": 0.6}; '
                    "each method's options and their ranges are listed by GET /api/v1/methods"
                ),
            ],
            "{}",
        )
    )
    if spec.kind == "segment":
        params.append(
            form(
                "soft",
                Annotated[
                    Literal["false", "true"],
                    Form(
                        description="true: answer the soft output as 8-bit instead of the 0/255 "
                        f"mask{f' ({spec.soft})' if spec.soft else ''}"
                    ),
                ],
                "false",
            )
        )
    if spec.kind == "transform":
        params.append(
            form(
                "transparent",
                Annotated[
                    Literal["false", "true"],
                    Form(
                        description="true: the white paper as transparency, ink on a clear "
                        "sheet (PNG only)"
                    ),
                ],
                "false",
            )
        )
    for name, field in edit_fields(spec).items():
        params.append(
            form(
                name,
                Annotated[
                    int,
                    Form(
                        ge=field["minimum"],
                        le=field["maximum"],
                        description={
                            "dilate": "grow the mask by this many pixels",
                            "grow_halo": "then grow it up to this many pixels over the "
                            "object's anti-aliased edge, glow or halo (0: off)",
                            "seed": "random seed",
                        }.get(name, name),
                    ),
                ],
                field["default"],
            )
        )
    params += [
        form(
            "format",
            Annotated[
                Format,
                Form(
                    description="png, jpeg, svg (line art only: its strokes as vector paths), "
                    "or auto: from the Accept header (PNG without one)"
                ),
            ],
            "auto",
        ),
        form(
            "quality",
            Annotated[
                int,
                Form(ge=QUALITY["minimum"], le=QUALITY["maximum"], description="JPEG quality"),
            ],
            QUALITY["default"],
        ),
        form("accept", Annotated[str, Header()], ""),
        form(
            "prefer",
            Annotated[
                str,
                Header(description="respond-async: answer 202 with a job (GET /api/v1/jobs/ID)"),
            ],
            "",
        ),
        form(
            "job_key",
            Annotated[
                str,
                Header(
                    alias="Job-Key",
                    description="with respond-async: a random key (16-64 of A-Za-z0-9_-) "
                    "that DELETE /api/v1/jobs?key=K cancels the job by, before its id is known",
                ),
            ],
            "",
        ),
    ]
    return params


def _promoted_field(name: str, schema: dict[str, Any]) -> tuple[Any, Any]:
    """The form field of a promoted option, from its JSON schema: a menu of its choices,
    true/false, a bounded number or text (the registry checks the value again)."""
    about = f"the method's {name} option"
    default = schema.get("default")
    if "enum" in schema:
        return Annotated[Literal[tuple(schema["enum"])], Form(description=about)], default
    kind = schema.get("type")
    if kind == "boolean":
        flag = "true" if default else "false"
        return Annotated[Literal["false", "true"], Form(description=about)], flag
    if kind in ("integer", "number"):
        bounds = {k: schema[m] for k, m in (("ge", "minimum"), ("le", "maximum")) if m in schema}
        number = int if kind == "integer" else float
        return Annotated[number, Form(description=about, **bounds)], default
    return Annotated[str, Form(description=about)], "" if default is None else default


async def _refuse_empty_fields(request: Request) -> None:
    """FastAPI reads an empty form field as absent (its default); say it is not a value."""
    form = await request.form()
    empty = sorted({k for k, v in form.multi_items() if isinstance(v, str) and v == ""})
    if empty:
        raise InputError(f"{', '.join(empty)}: an empty value; leave the field out for its default")


def _add_task(router: APIRouter, engine: Engine, jobs: Jobs, spec: TaskSpec) -> None:
    fill_names = list(edit_fields(spec))

    async def endpoint(**fields: Any) -> Response:
        await _refuse_empty_fields(fields["request"])
        fmt = _output(fields["format"], fields["accept"], spec)
        transparent = fields.get("transparent") == "true"
        if transparent and fmt != "PNG":
            raise InputError(f"transparent=true needs format=png, not {fmt.lower()}")
        options = parse_options(fields["options"])
        sent = await fields["request"].form()  # a promoted field left out keeps the JSON's value
        options.update({n: fields[n] for n in spec.promoted if n in sent or n not in options})
        fill = {FILL_KEYWORDS[n]: fields[n] for n in fill_names} if fill_names else None
        image = await fields["image"].read()
        mask = await fields["mask"].read() if fields.get("mask") is not None else None
        uploads = (image,) if mask is None else (image, mask)
        pixels = declared_pixels(*uploads, limit=engine.settings.max_pixels)

        def work(progress: Any = None) -> bytes:
            return run_task(
                engine,
                spec,
                image,
                mask,
                method=fields["method"],
                options=options,
                fmt=fmt,
                quality=fields["quality"],
                soft=fields.get("soft") == "true",
                fill=fill,
                mask_only=fields.get("mask_only") == "true",
                transparent=transparent,
                progress=progress,
            )

        if "respond-async" in fields["prefer"].lower():
            key = check_key(fields["job_key"]) if fields["job_key"] else None
            job = jobs.start(spec.verb, work, pixels=pixels, media_type=_media(fmt), key=key)
            where = f"/api/v1/jobs/{job.id}"
            return JSONResponse(
                job.describe(),
                status_code=202,
                headers={"Location": where, "Preference-Applied": "respond-async"},
            )
        data = await engine.run(work, pixels=pixels, client=fields["request"])
        return Response(content=data, media_type=_media(fmt))

    endpoint.__signature__ = inspect.Signature(_parameters(spec), return_annotation=Response)
    endpoint.__name__ = f"{spec.verb}_endpoint"
    endpoint.__doc__ = (
        f"{spec.summary[:1].upper()}{spec.summary[1:]}: takes {' and '.join(spec.takes)}, "
        f"answers {'a 0/255 mask' if spec.returns == 'mask' else 'an image'}. "
        f"{spec.description}"
    )
    router.post(
        f"/{spec.verb}",
        summary=spec.summary,
        responses={**_TASK_RESPONSES, **(_VECTOR if spec.name in SVG_TASKS else {})},
        response_class=Response,
        name=spec.verb,
    )(endpoint)
