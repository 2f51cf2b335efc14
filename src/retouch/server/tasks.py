"""The work behind each endpoint: decode the uploads, run the method, encode the result.

These functions run in the worker pool. Every declared task (``core.tasks``) is
served at ``/api/v1/VERB`` (``erase`` is the ``inpaint`` registry); its fields and
choices come from the task record and the registry, so a newly declared task or
registered method is served without touching this file.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image, ImageChops

from retouch.core.errors import InputError, LimitError
from retouch.core.io import (
    READ_FORMATS,
    LoadedImage,
    decode_image,
    encode_image,
    mask_from_array,
)
from retouch.core.limits import check_size, open_image
from retouch.core.registry import Method, get, list_methods
from retouch.core.tasks import TaskSpec, all_tasks
from retouch.server.engine import Engine
from retouch.server.errors import UploadError
from retouch.server.negotiate import MEDIA_TYPES
from retouch.server.settings import ServerSettings

__all__ = [
    "FILL_KEYWORDS",
    "LIMIT_HINT",
    "QUALITY",
    "SVG_MEDIA",
    "SVG_TASKS",
    "declared_pixels",
    "parse_options",
    "probe_upload",
    "run_task",
    "server_limits",
    "task_catalogue",
]

# What a 413 for a too-large image advises: the server's own flag, not the CLI's.
LIMIT_HINT = "the server's limit is set with `retouch serve --max-pixels`"

# The ``quality`` form field of every task endpoint (JPEG answers).
QUALITY = {"type": "integer", "minimum": 1, "maximum": 100, "default": 95}

# The tasks whose result can also be answered as SVG (``format=svg``): line art's dark
# strokes traced into vector paths (``retouch.lineart.svg``).
SVG_TASKS = ("lineart",)
SVG_MEDIA = "image/svg+xml"

# The erase keyword each of erase's form fields (``edit_fields``) sets.
FILL_KEYWORDS = {"dilate": "dilate_px", "grow_halo": "grow_halo", "seed": "seed"}


def edit_fields(spec: TaskSpec) -> dict[str, dict[str, Any]]:
    """The form fields an edit task takes besides the method's options (erase's fill).

    Each field is the ``erase`` keyword named in ``FILL_KEYWORDS``.
    """
    if spec.name != "inpaint":
        return {}
    from retouch.inpaint.base import MAX_DILATE_PX, MAX_HALO_PX, MAX_SEED

    return {
        "dilate": {"type": "integer", "minimum": 0, "maximum": MAX_DILATE_PX, "default": 0},
        "grow_halo": {"type": "integer", "minimum": 0, "maximum": MAX_HALO_PX, "default": 0},
        "seed": {"type": "integer", "minimum": 0, "maximum": MAX_SEED, "default": 0},
    }


def task_catalogue() -> dict[str, Any]:
    """What ``GET /api/v1/methods`` answers: every declared task, its endpoint, what it
    takes and returns, its methods with their options, promoted options and fields."""
    out = {}
    for spec in all_tasks():
        default = get(spec.name)
        out[spec.verb] = {
            "endpoint": f"/api/v1/{spec.verb}",
            "task": spec.name,
            "kind": spec.kind,
            "takes": list(spec.takes),
            "returns": spec.returns,
            "summary": spec.summary,
            "soft": spec.soft,
            "detects": spec.detects,
            "default": default.name,
            "methods": [m.describe() for m in list_methods(spec.name)],
            "promoted": {p: _option_schema(default.specs[p]) for p in spec.promoted},
            "fields": edit_fields(spec),
            "vector": spec.name in SVG_TASKS,  # format=svg answers the strokes as paths
            "transparent": spec.kind == "transform",  # transparent=true: ink on a clear sheet
            "choices": {
                "method": [m.name for m in list_methods(spec.name)],
                **{p: list(default.specs[p].choices or ()) for p in spec.promoted},
            },
        }
    return out


def server_limits(settings: ServerSettings) -> dict[str, Any]:
    """What the server refuses and what it writes, as ``GET /api/v1/methods`` sends it
    under ``limits``: the web page checks a photo against these at Open."""
    Image.init()
    formats = sorted(set(READ_FORMATS.values()))
    media = sorted({Image.MIME[f] for f in READ_FORMATS if f in Image.MIME})
    return {
        "max_pixels": settings.max_pixels,
        "max_upload_bytes": settings.max_upload_bytes,
        "read_formats": formats,
        "read_media_types": media,
        "write_formats": sorted(f.lower() for f in MEDIA_TYPES),
        "quality": QUALITY,
        "timeout_s": settings.timeout_s,
    }


def like_input(fmt: str) -> str:
    """The answer format that keeps a photo of format ``fmt`` as it came: JPEG for a
    JPEG, PNG (lossless, with alpha) for anything else."""
    return "jpeg" if fmt == "JPEG" else "png"


def probe_upload(engine: Engine, data: bytes) -> dict[str, Any]:
    """Decode an upload as a task would (400 or 413 as it would) and describe it."""
    loaded = decode_upload(data, "image", engine.settings.max_pixels)
    h, w = loaded.rgb.shape[:2]
    return {
        "width": w,
        "height": h,
        "pixels": w * h,
        "format": loaded.format,
        "output": like_input(loaded.format),
        "alpha": loaded.alpha is not None,
        "exif": loaded.exif is not None,
        "icc": loaded.icc_profile is not None,
    }


def _option_schema(option: Any) -> dict[str, Any]:
    """An option's JSON schema, with the form of a text option (``pattern``, and its
    example under ``examples``) where the method declares one."""
    schema = option.json_schema()
    form = getattr(option, "pattern", None)
    if form is not None:
        schema.setdefault("pattern", form.regex)
        schema.setdefault("examples", [form.example])
    return schema


def parse_options(text: str) -> dict[str, Any]:
    """The ``options`` form field: a JSON object of method options (InputError, 422)."""
    try:
        options = json.loads(text or "{}")
    except (ValueError, RecursionError):  # RecursionError: nested too deep to be options
        options = None
    if not isinstance(options, dict):
        raise InputError(
            f'options must be a JSON object such as {{"threshold": 0.6}}, got {text[:80]!r}'
        )
    for name, value in options.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InputError(
                f"option {name}: the API takes a number, text, true or false, got {value!r:.80}"
            )
    return options


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


def run_task(
    engine: Engine,
    spec: TaskSpec,
    image: bytes,
    mask: bytes | None,
    *,
    method: str,
    options: dict[str, Any],
    fmt: str,
    quality: int,
    soft: bool = False,
    fill: dict[str, Any] | None = None,
    mask_only: bool = False,
    transparent: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Decode the uploads, run ``method`` of ``spec`` with ``options``, encode as ``fmt``.

    A segment task answers its 0/255 mask (or, with ``soft``, the soft output as
    8-bit); an edit task the image with what ``mask`` marks changed, every other
    pixel unchanged (``fill``: erase's ``dilate_px``, ``grow_halo`` and ``seed``); a transform the
    image it makes. Alpha, ICC profile and EXIF are kept where ``fmt`` holds them.
    ``progress(done, total)`` is told erase's holes as they are filled (a job's progress).
    A transform answers ``fmt`` ``"SVG"`` as its dark strokes traced into paths, and with
    ``transparent`` its white paper as transparency (PNG with alpha).
    """
    model = engine.method(spec.name, method, **options)
    loaded = decode_upload(image, "image", engine.settings.max_pixels)
    if spec.kind == "segment":
        out = model.soft(loaded.rgb) if soft else model(loaded.rgb)
        if soft:
            out = np.clip(np.rint(out * 255.0), 0, 255)
        return encode_image(np.asarray(out, np.uint8), fmt, quality=quality)
    if spec.detects:
        hole = model.detect(loaded.rgb) if mask is None else _read_mask(engine, loaded, mask)
        if mask_only:
            return encode_image(np.asarray(hole, np.uint8), fmt, quality=quality)
        result = np.asarray(model(loaded.rgb, hole), np.uint8) if hole.any() else loaded.rgb
    elif spec.kind == "edit":
        result = _edit(engine, spec, model, loaded, mask or b"", fill or {}, progress)
    else:
        result = np.asarray(model(loaded.rgb), np.uint8)
        if fmt == "SVG" or transparent:
            from retouch.lineart.svg import line_svg, on_transparent

            if fmt == "SVG":
                return line_svg(result).encode("utf-8")
            rgb, alpha = on_transparent(result)
            return encode_image(rgb, "PNG", alpha=alpha, icc_profile=loaded.icc_profile)
    same = result.shape[:2] == loaded.rgb.shape[:2]
    return encode_image(
        result,
        fmt,
        alpha=loaded.alpha if same else None,
        quality=quality,
        icc_profile=loaded.icc_profile,
        exif=loaded.exif,
    )


def _png_mask(data: bytes, limit: int) -> np.ndarray | None:
    """A PNG mask (what the web page sends) read by ``mask_from_array`` from its brightest
    channel and its alpha, which Pillow picks out, instead of a full RGB decode: the same
    mask, about ten times sooner for a 24 MP RGBA mask. None for anything else, or when
    the file is damaged (``decode_upload`` then says what is wrong)."""
    try:
        with open_image(io.BytesIO(data), "mask", limit, LIMIT_HINT) as img:
            if img.format != "PNG" or img.mode not in ("RGBA", "RGB", "LA", "L"):
                return None
            check_size("mask", img.size, limit, LIMIT_HINT)
            img.load()
            bands = img.split()
            has_alpha = img.mode in ("RGBA", "LA")
            colour = bands[:-1] if has_alpha else bands
            brightest = functools.reduce(ImageChops.lighter, colour)
            alpha = np.asarray(bands[-1]) if has_alpha else None
            return mask_from_array(np.asarray(brightest), alpha=alpha)
    except LimitError:
        raise
    except Exception:  # damaged or unusual: the full decoder reports it properly
        return None


def _edit(
    engine: Engine,
    spec: TaskSpec,
    model: Method,
    loaded: LoadedImage,
    mask: bytes,
    fill: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    hole = _read_mask(engine, loaded, mask)
    if not hole.any():
        return loaded.rgb
    if spec.name != "inpaint":
        return np.asarray(model(loaded.rgb, hole), np.uint8)
    from retouch.inpaint import erase

    extra = {} if progress is None else {"progress": progress}
    return erase(loaded.rgb, hole, method=model.name, **{**fill, **model.options}, **extra)


def _read_mask(engine: Engine, loaded: LoadedImage, mask: bytes) -> np.ndarray:
    """The uploaded mask as H x W uint8 0/255 of the image's size (else InputError, 422)."""
    hole = _png_mask(mask, engine.settings.max_pixels)
    if hole is None:
        strokes = decode_upload(mask, "mask", engine.settings.max_pixels)
        hole = mask_from_array(strokes.rgb, alpha=strokes.alpha)
    if hole.shape != loaded.rgb.shape[:2]:
        h, w = loaded.rgb.shape[:2]
        raise InputError(
            f"the mask is {hole.shape[1]}x{hole.shape[0]} but the image is {w}x{h}; "
            "send a mask of the image's size"
        )
    return hole
