"""The endpoints of API v1. Field choices (methods, face parts) come from the registries.

Every image endpoint takes a multipart form: ``image`` (and ``mask`` for erase) as
files, options as fields. The result is PNG or JPEG: the ``format`` field if given,
else the best of the two the ``Accept`` header allows, else PNG.
"""

# No `from __future__ import annotations`: FastAPI reads these annotations at
# definition time, and the Literal choices are local to build_router.
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.responses import Response

from retouch.inpaint.base import MAX_DILATE_PX, MAX_SEED
from retouch.server.engine import Engine
from retouch.server.errors import NotAcceptableError, UnknownTaskError
from retouch.server.negotiate import MEDIA_TYPES, choose_format
from retouch.server.tasks import (
    TASKS,
    choices,
    declared_pixels,
    run_erase,
    run_segment,
    task_catalogue,
)

__all__ = ["build_router"]

Format = Literal["png", "jpeg", "jpg"]

# The upload and output fields every image endpoint takes, declared once.
ImageUpload = Annotated[UploadFile, File(description="the photo (JPEG, PNG, WebP, TIFF, BMP)")]
FormatField = Annotated[Format | None, Form(description="png or jpeg")]
QualityField = Annotated[int, Form(ge=1, le=100, description="JPEG quality")]
AcceptHeader = Annotated[str | None, Header()]

_IMAGE = {200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "the result"}}
_ERRORS = {
    code: {"description": text, "content": {"application/json": {"example": {"error": text}}}}
    for code, text in (
        (400, "an upload is not a readable image"),
        (403, "the request names another host or comes from another site's page"),
        (406, "the Accept header allows neither PNG nor JPEG"),
        (413, "the request or an image is over the server's limits"),
        (422, "a field is missing or invalid, or the mask does not fit the image"),
        (503, "a model is not installed, the request ran over the time limit or was cancelled"),
    )
}
_RESPONSES: dict[int | str, dict[str, Any]] = {**_IMAGE, **_ERRORS}


def _image_response(data: bytes, fmt: str) -> Response:
    return Response(content=data, media_type=MEDIA_TYPES[fmt])


def _output(fmt: str | None, accept: str | None) -> str:
    chosen = choose_format(fmt, accept)
    if chosen is None:
        raise NotAcceptableError(
            f"cannot answer with {accept!r}; accept image/png or image/jpeg, "
            "or send the form field format=png|jpeg"
        )
    return chosen


def build_router(engine: Engine) -> APIRouter:
    """The v1 router; its enums are read from the registries now, at app creation."""
    fields = choices()
    router = APIRouter(prefix="/api/v1")
    _add_methods(router)
    _add_erase(router, engine, Literal[tuple(fields["erase"]["method"])])
    _add_segment(router, engine, "person", Literal[tuple(fields["person"]["method"])])
    _add_face(router, engine, fields["face"])
    _add_segment(router, engine, "skin", Literal[tuple(fields["skin"]["method"])])

    @router.api_route("/{task}", methods=["GET", "POST"], include_in_schema=False)
    async def unknown_task(task: str) -> Response:
        if task in TASKS:  # GET of a task endpoint
            raise HTTPException(405, "Method Not Allowed", headers={"Allow": "POST"})
        raise UnknownTaskError(task, sorted(TASKS))

    return router


def _add_methods(router: APIRouter) -> None:
    @router.get("/methods", summary="Tasks, their endpoints and their methods")
    async def methods() -> dict[str, Any]:
        """Every task the API serves, with its methods (default first) and field choices."""
        return {"tasks": task_catalogue()}


def _add_erase(router: APIRouter, engine: Engine, methods: Any) -> None:
    default = choices()["erase"]["method"][0]

    @router.post("/erase", summary="Erase what a mask marks", responses=_RESPONSES)
    async def erase(
        request: Request,
        image: ImageUpload,
        mask: Annotated[
            UploadFile,
            File(description="same size as the image: white, strokes on black or alpha = erase"),
        ],
        method: Annotated[methods, Form(description="fill method")] = default,
        dilate: Annotated[int, Form(ge=0, le=MAX_DILATE_PX, description="grow the mask by px")] = 0,
        seed: Annotated[int, Form(ge=0, le=MAX_SEED, description="random seed")] = 0,
        format: FormatField = None,
        quality: QualityField = 95,
        accept: AcceptHeader = None,
    ) -> Response:
        """The photo with the masked pixels filled; every other pixel is unchanged."""
        fmt = _output(format, accept)
        img, msk = await image.read(), await mask.read()
        data = await engine.run(
            lambda: run_erase(
                engine,
                img,
                msk,
                fmt=fmt,
                quality=quality,
                method=method,
                dilate_px=dilate,
                seed=seed,
            ),
            pixels=declared_pixels(img, msk, limit=engine.settings.max_pixels),
            client=request,
        )
        return _image_response(data, fmt)


def _add_segment(router: APIRouter, engine: Engine, task: str, methods: Any) -> None:
    default = choices()[task]["method"][0]

    async def segment(
        request: Request,
        image: ImageUpload,
        method: Annotated[methods, Form(description=f"{task} method")] = default,
        format: FormatField = None,
        quality: QualityField = 95,
        accept: AcceptHeader = None,
    ) -> Response:
        fmt = _output(format, accept)
        img = await image.read()
        data = await engine.run(
            lambda: run_segment(engine, task, img, method=method, fmt=fmt, quality=quality),
            pixels=declared_pixels(img, limit=engine.settings.max_pixels),
            client=request,
        )
        return _image_response(data, fmt)

    segment.__doc__ = f"The {task} mask of the photo: 255 where found, 0 elsewhere."
    router.post(f"/{task}", summary=f"Mask of {task}", responses=_RESPONSES)(segment)


def _add_face(router: APIRouter, engine: Engine, fields: dict[str, list[str]]) -> None:
    methods, parts = Literal[tuple(fields["method"])], Literal[tuple(fields["part"])]

    @router.post("/face", summary="Mask of a face region", responses=_RESPONSES)
    async def face(
        request: Request,
        image: ImageUpload,
        method: Annotated[methods, Form(description="face method")] = fields["method"][0],
        part: Annotated[parts, Form(description="which region of every face")] = "skin",
        format: FormatField = None,
        quality: QualityField = 95,
        accept: AcceptHeader = None,
    ) -> Response:
        """The mask of ``part`` of every face in the photo: 255 there, 0 elsewhere."""
        fmt = _output(format, accept)
        img = await image.read()
        data = await engine.run(
            lambda: run_segment(
                engine, "face", img, method=method, fmt=fmt, quality=quality, part=part
            ),
            pixels=declared_pixels(img, limit=engine.settings.max_pixels),
            client=request,
        )
        return _image_response(data, fmt)
