"""Every conversion between files, PIL, OpenCV and the array contract lives here.

Reading applies EXIF orientation, converts grayscale, palette, CMYK and 16-bit
images to 8-bit RGB and keeps an alpha channel, the ICC profile and the EXIF data
aside. Writing picks the format from the file extension and is atomic and verified
(``retouch.core.atomic``): the target is replaced only by a complete file that decodes.
``decode_image`` and ``encode_image`` do the same for bytes in memory (uploads, HTTP
responses), with the same checks and options. Helpers: ``retouch.core.limits`` (pixel
limits), ``retouch.core.metadata`` (EXIF and ICC per format).
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from retouch.core.atomic import (
    WRITE_EXTENSIONS,
    check_image_path,
    check_mask_path,
    check_writable,
    copy_file,
    decode_check,
    output_format,
    write_atomic,
)
from retouch.core.errors import InputError, OutputError
from retouch.core.limits import (
    DEFAULT_LIMIT_HINT,
    DEFAULT_MAX_PIXELS,
    check_size,
    max_pixels,
    open_image,
    parse_pixel_count,
    resolve_limit,
)
from retouch.core.metadata import kept_exif, metadata_options

__all__ = [
    "DEFAULT_LIMIT_HINT",
    "DEFAULT_MAX_PIXELS",
    "READ_FORMATS",
    "WRITE_EXTENSIONS",
    "LoadedImage",
    "check_image_path",
    "check_mask_path",
    "check_writable",
    "copy_file",
    "decode_image",
    "encode_image",
    "from_bgr",
    "load_image",
    "mask_from_array",
    "max_pixels",
    "parse_pixel_count",
    "read_image",
    "read_mask",
    "to_bgr",
    "to_rgb",
    "write_image",
    "write_mask",
]

log = logging.getLogger(__name__)

READ_FORMATS = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "TIFF": "TIFF",
    "BMP": "BMP",
}
_ALPHA_FORMATS = {"PNG", "WEBP", "TIFF"}


@dataclass
class LoadedImage:
    """A decoded file: ``rgb`` is H x W x 3 uint8, ``alpha`` H x W uint8 or None.

    ``icc_profile`` and ``exif`` are the raw bytes to pass back to ``write_image``;
    ``exif`` has no orientation tag, since ``rgb`` is already upright.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    format: str
    icc_profile: bytes | None = None
    exif: bytes | None = None


def load_image(
    path: str | os.PathLike,
    *,
    pixel_limit: int | None = None,
    limit_hint: str | None = DEFAULT_LIMIT_HINT,
) -> LoadedImage:
    """Decode an image file into the array contract, keeping alpha, ICC and EXIF aside.

    Parameters
    ----------
    pixel_limit : the largest width x height decoded, a positive number; None means
        ``max_pixels()``. The declared size is checked before any pixel is decoded.
    limit_hint : what the LimitError message tells the user to do (None: nothing).

    Raises InputError for missing, empty, truncated, damaged or unsupported files,
    whatever the decoder's failure, and LimitError (an InputError) over the limit.
    """
    limit = resolve_limit(pixel_limit)
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    return _decode(path, str(path), limit, limit_hint)


def decode_image(
    data: bytes,
    *,
    pixel_limit: int | None = None,
    name: str = "upload",
    limit_hint: str | None = DEFAULT_LIMIT_HINT,
) -> LoadedImage:
    """Decode image bytes (an upload) like ``load_image`` decodes a file, by content only.

    ``name`` starts every error message; ``pixel_limit`` and ``limit_hint`` as in
    ``load_image`` (a server passes its own hint).

    >>> decode_image(encode_image(np.zeros((2, 3, 3), np.uint8), "PNG")).rgb.shape
    (2, 3, 3)
    """
    limit = resolve_limit(pixel_limit)
    if not data:
        raise InputError(f"{name}: the file is empty (0 bytes)")
    return _decode(io.BytesIO(data), name, limit, limit_hint)


def _decode(source: Path | io.BytesIO, name: str, limit: int, hint: str | None) -> LoadedImage:
    """Any failure of Pillow or OpenCV on this input is an InputError naming it."""
    try:
        with open_image(source, name, limit, hint) as img:
            fmt = img.format or "?"
            if fmt not in READ_FORMATS:
                raise InputError(
                    f"{name}: {fmt} images are not supported; "
                    f"use one of {', '.join(sorted(set(READ_FORMATS.values())))}"
                )
            check_size(name, img.size, limit, hint)
            try:
                return _from_pil(img, READ_FORMATS[fmt], name)
            except InputError:
                raise
            except Exception as exc:
                if fmt != "TIFF":
                    raise
                rgb = _load_with_opencv(source, name, exc, limit, hint)
                icc = img.info.get("icc_profile") or None
                return LoadedImage(rgb=rgb, alpha=None, format="TIFF", icc_profile=icc)
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError(f"{name}: not an image, or a damaged one") from None
    except Exception as exc:  # MemoryError too: too big a decode for this machine
        raise InputError(f"{name}: cannot decode the image ({_reason(exc)})") from None


def _from_pil(img: Image.Image, fmt: str, name: str) -> LoadedImage:
    img.load()
    icc = img.info.get("icc_profile") or None
    rgb, alpha = _pil_to_arrays(ImageOps.exif_transpose(img))
    exif = kept_exif(img, name)  # after the transpose: it edits img's EXIF
    return LoadedImage(rgb=rgb, alpha=alpha, format=fmt, icc_profile=icc, exif=exif)


def read_image(path: str | os.PathLike, *, pixel_limit: int | None = None) -> np.ndarray:
    """Read an image file as ``H x W x 3`` uint8 RGB (alpha dropped, EXIF orientation applied)."""
    return load_image(path, pixel_limit=pixel_limit).rgb


def read_mask(path: str | os.PathLike, *, pixel_limit: int | None = None) -> np.ndarray:
    """Read a mask from any image: grayscale, the alpha channel, or coloured strokes on black.

    Returns ``H x W`` uint8 with 255 where the mask is set (see ``mask_from_array``).
    """
    loaded = load_image(path, pixel_limit=pixel_limit)
    return mask_from_array(loaded.rgb, alpha=loaded.alpha)


def mask_from_array(array: np.ndarray, *, alpha: np.ndarray | None = None) -> np.ndarray:
    """Turn a grayscale, RGB or RGBA array into a 0/255 mask.

    A non-opaque alpha channel is the mask (a stroke layer on transparency);
    otherwise a pixel is set where its brightest channel is >= 128, so white,
    grey-light or coloured strokes on black all count.
    """
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] in (2, 4) and alpha is None:
        array, alpha = array[..., :-1], array[..., -1]
    on, off = np.uint8(255), np.uint8(0)  # uint8 throughout: no 8-byte copy of a 24 MP mask
    if alpha is not None and alpha.min() < 255:
        return np.where(alpha >= 128, on, off)
    value = array.max(axis=2) if array.ndim == 3 else array
    return np.where(value >= 128, on, off)


def to_rgb(array: np.ndarray) -> np.ndarray:
    """Gray (H x W), gray+alpha, RGB or RGBA uint8 arrays -> H x W x 3 uint8 RGB."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise InputError(f"expected a uint8 array, got {array.dtype}")
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim == 3 and array.shape[2] in (1, 2):
        return np.repeat(array[:, :, :1], 3, axis=2)
    if array.ndim == 3 and array.shape[2] in (3, 4):
        return np.ascontiguousarray(array[:, :, :3])
    raise InputError(f"cannot convert an array of shape {array.shape} to RGB")


def to_bgr(rgb: np.ndarray) -> np.ndarray:
    """RGB -> BGR for OpenCV calls. Only used inside retouch; never returned."""
    return np.ascontiguousarray(rgb[:, :, ::-1])


def from_bgr(bgr: np.ndarray) -> np.ndarray:
    """BGR (from OpenCV) -> RGB."""
    return np.ascontiguousarray(bgr[:, :, ::-1])


def write_image(
    path: str | os.PathLike,
    rgb: np.ndarray,
    *,
    alpha: np.ndarray | None = None,
    quality: int = 95,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
) -> Path:
    """Write ``rgb`` (H x W x 3 uint8) atomically and verified; the format follows the extension.

    ``alpha`` (H x W uint8) is written where the format holds one (PNG, WebP, TIFF) and
    dropped with a log message otherwise. ``quality`` (1-100) applies to JPEG and WebP.
    ``icc_profile`` and ``exif`` (bytes, e.g. from ``LoadedImage``) are written to JPEG,
    PNG, WebP and TIFF; BMP holds neither. Raises OutputError, leaving the target as it
    was, if the file cannot be written in full (disk full, no permission, no folder).
    """
    path = Path(path)
    fmt = output_format(path)
    img, options = _prepare(rgb, fmt, alpha, quality, icc_profile, exif, str(path))
    return _write(path, img, fmt, options)


def encode_image(
    array: np.ndarray,
    fmt: str,
    *,
    alpha: np.ndarray | None = None,
    quality: int = 95,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
) -> bytes:
    """Encode an H x W x 3 uint8 RGB image or an H x W uint8 mask as ``fmt`` bytes.

    ``fmt`` is a format name (PNG, JPEG, WEBP, TIFF, BMP; case-insensitive). Options
    as in ``write_image``; a mask is stored as 8-bit grayscale.

    >>> encode_image(np.zeros((2, 2), np.uint8), "png")[:4]
    b'\\x89PNG'
    """
    name = fmt.upper()
    if name not in set(WRITE_EXTENSIONS.values()):
        raise InputError(
            f"cannot encode as {fmt!r}; use one of "
            f"{', '.join(sorted(set(WRITE_EXTENSIONS.values())))}"
        )
    img, options = _prepare(array, name, alpha, quality, icc_profile, exif, "output")
    return _encode(img, name, options)


def _prepare(
    array: np.ndarray,
    fmt: str,
    alpha: np.ndarray | None,
    quality: int,
    icc_profile: bytes | None,
    exif: bytes | None,
    name: str,
) -> tuple[Image.Image, dict]:
    """The PIL image and save options shared by ``write_image`` and ``encode_image``."""
    if not 1 <= quality <= 100:
        raise InputError(f"quality must be between 1 and 100, got {quality}")
    img = Image.fromarray(array, mode="L" if array.ndim == 2 else None)
    if alpha is not None and fmt in _ALPHA_FORMATS:
        img.putalpha(Image.fromarray(alpha))
    elif alpha is not None and alpha.min() < 255:
        log.warning("%s: %s cannot store transparency; the alpha channel is dropped", name, fmt)
    options = metadata_options(fmt, icc_profile, exif, name)
    if fmt == "JPEG":
        options.update(quality=quality, subsampling=0 if quality >= 90 else 2, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=quality, lossless=quality == 100)
    return img, options


def write_mask(path: str | os.PathLike, mask: np.ndarray) -> Path:
    """Write an H x W uint8 mask as a grayscale image, atomically and verified.

    Only lossless formats: .png, .webp, .tif or .bmp (OutputError otherwise).
    """
    path = Path(path)
    fmt = output_format(path, mask=True)
    options = {"lossless": True} if fmt == "WEBP" else {}
    return _write(path, Image.fromarray(mask, mode="L"), fmt, options)


def _write(path: Path, img: Image.Image, fmt: str, options: dict) -> Path:
    """Encode in memory, then write the bytes atomically and check they decode."""
    try:
        data = _encode(img, fmt, options)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return write_atomic(path, data, check=decode_check(fmt, img.width * img.height))


def _encode(img: Image.Image, fmt: str, options: dict) -> bytes:
    buffer = io.BytesIO()
    try:
        img.save(buffer, format=fmt, **options)
    except OSError:
        # Pillow's optimised JPEG needs the whole result in one buffer of 2 bytes per
        # pixel, which a noisy image at high quality outgrows: encode it unoptimised.
        if not options.get("optimize"):
            raise
        buffer = io.BytesIO()
        img.save(buffer, format=fmt, **{**options, "optimize": False})
    return buffer.getvalue()


def _pil_to_arrays(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    mode = img.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in img.info):
        rgba = np.asarray(img.convert("RGBA"))
        return np.ascontiguousarray(rgba[:, :, :3]), np.ascontiguousarray(rgba[:, :, 3])
    if mode.startswith("I;16") or mode in ("I", "F"):
        return to_rgb(_high_depth_to_uint8(np.asarray(img))), None
    if mode != "RGB":
        img = img.convert("RGB")
    return np.ascontiguousarray(np.asarray(img)), None


def _high_depth_to_uint8(values: np.ndarray) -> np.ndarray:
    values = np.nan_to_num(values.astype(np.float64))
    top = 1.0 if values.max(initial=0) <= 1.0 else (255.0 if values.max() <= 255 else 65535.0)
    return np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "not enough memory to decode it"
    text = str(exc)
    if "truncated" in text or not text:
        return "the file is truncated or damaged"
    if isinstance(exc, (OSError, SyntaxError, ValueError)):
        return text
    return f"the file is damaged: {type(exc).__name__}: {text}"


def _load_with_opencv(
    source: Path | io.BytesIO, name: str, cause: Exception, limit: int, hint: str | None
) -> np.ndarray:
    """Fallback for TIFFs PIL cannot decode (16-bit colour), else a clear error."""
    flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR
    try:
        raw = source.read_bytes() if isinstance(source, Path) else source.getvalue()
        arr = cv2.imdecode(np.frombuffer(raw, np.uint8), flags)
    except Exception:  # cv2.error, MemoryError
        arr = None
    if arr is None or arr.ndim not in (2, 3) or arr.size == 0:
        raise InputError(f"{name}: cannot decode the image ({_reason(cause)})")
    check_size(name, (arr.shape[1], arr.shape[0]), limit, hint)
    try:
        if arr.dtype != np.uint8:
            arr = _high_depth_to_uint8(arr)
        return to_rgb(from_bgr(arr[:, :, :3]) if arr.ndim == 3 else arr)
    except Exception as exc:
        raise InputError(f"{name}: cannot decode the image ({_reason(exc)})") from None
