"""The work behind each endpoint: decode the uploads, run the method, encode the result.

These functions run in the worker pool. The HTTP tasks map onto registry tasks
(``erase`` is the ``inpaint`` registry); their method choices come from the
registries, so a newly registered method is served without touching this file.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from retouch.core.errors import InputError, LimitError
from retouch.core.io import LoadedImage, decode_image, encode_image, mask_from_array
from retouch.core.limits import open_image
from retouch.core.registry import get, list_methods
from retouch.server.engine import Engine
from retouch.server.errors import UploadError

__all__ = [
    "LIMIT_HINT",
    "TASKS",
    "choices",
    "declared_pixels",
    "run_erase",
    "run_segment",
    "task_catalogue",
]

# HTTP task -> registry task. Only tasks with an endpoint are listed here.
TASKS: dict[str, str] = {"erase": "inpaint", "person": "person", "face": "face", "skin": "skin"}

# What a 413 for a too-large image advises: the server's own flag, not the CLI's.
LIMIT_HINT = "the server's limit is set with `retouch serve --max-pixels`"


def choices() -> dict[str, dict[str, list[str]]]:
    """Allowed values of each task's choice fields, read from the registries."""
    from retouch.segment.face.parts import PARTS

    out = {task: {"method": [m.name for m in list_methods(reg)]} for task, reg in TASKS.items()}
    out["face"]["part"] = list(PARTS)
    return out


def task_catalogue() -> dict[str, Any]:
    """What ``GET /api/v1/methods`` answers: every task, its endpoint, methods and fields."""
    fields = choices()
    return {
        task: {
            "endpoint": f"/api/v1/{task}",
            "registry_task": reg,
            "default": get(reg).name,
            "methods": [
                {"name": m.name, "summary": m.summary, "default": m.default}
                for m in list_methods(reg)
            ],
            "choices": fields[task],
        }
        for task, reg in TASKS.items()
    }


def declared_pixels(*uploads: bytes, limit: int) -> int:
    """Width x height of the largest upload, read from its header (nothing is decoded).

    What a request reserves of the in-flight budget before its work is queued. A
    file whose header cannot be read, or that is over ``limit``, counts 0: decoding
    it fails at once (400 or 413) without holding its pixels.
    """
    largest = 0
    for data in uploads:
        try:
            with open_image(io.BytesIO(data), "upload", limit, None) as img:
                width, height = img.size
        except Exception:  # any damage: the decoder reports it properly
            continue
        if width * height <= limit:
            largest = max(largest, width * height)
    return largest


def decode_upload(data: bytes, name: str, pixel_limit: int) -> LoadedImage:
    """Decode an uploaded file by content; LimitError (413) over the pixel limit.

    Any other refusal of the decoder (not an image, truncated, damaged, of an
    unsupported kind) becomes UploadError (400).
    """
    try:
        return decode_image(data, pixel_limit=pixel_limit, name=name, limit_hint=LIMIT_HINT)
    except LimitError:
        raise
    except InputError as exc:
        raise UploadError(str(exc)) from None


def run_erase(
    engine: Engine, image: bytes, mask: bytes, *, fmt: str, quality: int, **options: Any
) -> bytes:
    """Erase what ``mask`` marks in ``image``; the result encoded as ``fmt``.

    ``options``: ``method``, ``dilate_px``, ``seed`` (see ``retouch.erase``). Pixels
    outside the (dilated) mask are unchanged; alpha, ICC profile and EXIF are kept
    where ``fmt`` holds them.
    """
    from retouch.inpaint import erase

    limit = engine.settings.max_pixels
    loaded = decode_upload(image, "image", limit)
    strokes = decode_upload(mask, "mask", limit)
    hole = mask_from_array(strokes.rgb, alpha=strokes.alpha)
    if hole.shape != loaded.rgb.shape[:2]:
        h, w = loaded.rgb.shape[:2]
        raise InputError(
            f"the mask is {hole.shape[1]}x{hole.shape[0]} but the image is {w}x{h}; "
            "send a mask of the image's size"
        )
    result = erase(loaded.rgb, hole, **options) if hole.any() else loaded.rgb
    return encode_image(
        result,
        fmt,
        alpha=loaded.alpha,
        quality=quality,
        icc_profile=loaded.icc_profile,
        exif=loaded.exif,
    )


def run_segment(
    engine: Engine, task: str, image: bytes, *, method: str, fmt: str, quality: int, **options: Any
) -> bytes:
    """The H x W 0/255 mask of registry task ``task`` for ``image``, encoded as ``fmt``."""
    loaded = decode_upload(image, "image", engine.settings.max_pixels)
    mask = engine.method(task, method, **options)(loaded.rgb)
    return encode_image(np.asarray(mask, np.uint8), fmt, quality=quality)
