"""Every conversion between files, PIL, OpenCV and the array contract lives here.

Reading applies EXIF orientation, converts grayscale, palette, CMYK and 16-bit
images to 8-bit RGB and keeps an alpha channel aside. Writing picks the format
from the file extension and is atomic: a temporary file in the target folder is
renamed over the target only once it is complete. ``decode_image`` and
``encode_image`` do the same for bytes in memory (uploads, HTTP responses), with
the same checks and options.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from retouch.core.errors import InputError, LimitError, OutputError

__all__ = [
    "READ_FORMATS",
    "WRITE_EXTENSIONS",
    "LoadedImage",
    "decode_image",
    "encode_image",
    "from_bgr",
    "load_image",
    "mask_from_array",
    "max_pixels",
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
WRITE_EXTENSIONS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
}
_ALPHA_FORMATS = {"PNG", "WEBP", "TIFF"}
DEFAULT_MAX_PIXELS = 150_000_000

# We check the pixel count ourselves, before decoding, with a clear message.
Image.MAX_IMAGE_PIXELS = None


def max_pixels() -> int:
    """The largest image (in pixels) that is decoded: ``$RETOUCH_MAX_PIXELS`` or 150 MP."""
    value = os.environ.get("RETOUCH_MAX_PIXELS", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_PIXELS


@dataclass
class LoadedImage:
    """A decoded file: ``rgb`` is H x W x 3 uint8, ``alpha`` H x W uint8 or None."""

    rgb: np.ndarray
    alpha: np.ndarray | None
    format: str
    icc_profile: bytes | None = None


def load_image(path: str | os.PathLike, *, pixel_limit: int | None = None) -> LoadedImage:
    """Decode an image file into the array contract, keeping alpha and ICC profile aside.

    Raises InputError for missing, empty, truncated or unsupported files and
    LimitError (an InputError) for images over ``pixel_limit`` (default ``max_pixels()``).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    return _decode(path, str(path), pixel_limit or max_pixels())


def decode_image(
    data: bytes, *, pixel_limit: int | None = None, name: str = "upload"
) -> LoadedImage:
    """Decode image bytes (an upload) like ``load_image`` decodes a file, by content only.

    ``name`` starts every error message. Raises InputError for empty, truncated,
    unsupported or non-image data and LimitError for images over ``pixel_limit``.

    >>> decode_image(encode_image(np.zeros((2, 3, 3), np.uint8), "PNG")).rgb.shape
    (2, 3, 3)
    """
    if not data:
        raise InputError(f"{name}: the file is empty (0 bytes)")
    return _decode(io.BytesIO(data), name, pixel_limit or max_pixels())


def _decode(source: Path | io.BytesIO, name: str, limit: int) -> LoadedImage:
    fmt = "?"
    try:
        with Image.open(source) as img:
            fmt = img.format or "?"
            if fmt not in READ_FORMATS:
                raise InputError(
                    f"{name}: {fmt} images are not supported; "
                    f"use one of {', '.join(sorted(set(READ_FORMATS.values())))}"
                )
            _check_size(name, img.size, limit)
            img.load()
            icc = img.info.get("icc_profile")
            img = ImageOps.exif_transpose(img)
            rgb, alpha = _pil_to_arrays(img)
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError(f"{name}: not an image, or a damaged one") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if fmt != "TIFF":
            raise InputError(f"{name}: cannot decode the image ({_reason(exc)})") from None
        rgb, alpha, icc = _load_with_opencv(source, name, exc, limit), None, None
    return LoadedImage(rgb=rgb, alpha=alpha, format=READ_FORMATS.get(fmt, fmt), icc_profile=icc)


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
    if alpha is not None and alpha.min() < 255:
        return np.where(alpha >= 128, 255, 0).astype(np.uint8)
    value = array.max(axis=2) if array.ndim == 3 else array
    return np.where(value >= 128, 255, 0).astype(np.uint8)


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
) -> Path:
    """Write ``rgb`` (H x W x 3 uint8) atomically; the format follows the extension.

    ``alpha`` is written where the format holds one (PNG, WebP, TIFF) and dropped
    with a log message otherwise. ``quality`` (1-100) applies to JPEG and WebP.
    """
    path = Path(path)
    fmt = WRITE_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(
            f"{path}: unknown output extension {path.suffix!r}; "
            f"use one of {', '.join(sorted(WRITE_EXTENSIONS))}"
        )
    img, options = _prepare(rgb, fmt, alpha, quality, icc_profile, str(path))
    _atomic_save(path, lambda f: img.save(f, format=fmt, **options))
    return path


def encode_image(
    array: np.ndarray,
    fmt: str,
    *,
    alpha: np.ndarray | None = None,
    quality: int = 95,
    icc_profile: bytes | None = None,
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
    img, options = _prepare(array, name, alpha, quality, icc_profile, "output")
    buffer = io.BytesIO()
    img.save(buffer, format=name, **options)
    return buffer.getvalue()


def _prepare(
    array: np.ndarray,
    fmt: str,
    alpha: np.ndarray | None,
    quality: int,
    icc_profile: bytes | None,
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
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        options.update(quality=quality, subsampling=0 if quality >= 90 else 2, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=quality, lossless=quality == 100)
    elif fmt == "TIFF":
        options.update(compression="tiff_deflate")
    return img, options


def write_mask(path: str | os.PathLike, mask: np.ndarray) -> Path:
    """Write an H x W uint8 mask as a grayscale image, atomically."""
    path = Path(path)
    fmt = WRITE_EXTENSIONS.get(path.suffix.lower())
    if fmt is None or fmt == "JPEG":
        raise OutputError(f"{path}: write masks as .png, .webp, .tif or .bmp (lossless)")
    img = Image.fromarray(mask, mode="L")
    options = {"lossless": True} if fmt == "WEBP" else {}
    _atomic_save(path, lambda f: img.save(f, format=fmt, **options))
    return path


def _atomic_save(path: Path, save) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            save(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_size(name: str, size: tuple[int, int], limit: int) -> None:
    w, h = size
    if w * h > limit:
        raise LimitError(
            f"{name}: {w}x{h} is {w * h / 1e6:.1f} MP, over the limit of {limit / 1e6:.1f} MP; "
            "raise it with --max-pixels or RETOUCH_MAX_PIXELS if the file is trusted"
        )
    if w == 0 or h == 0:
        raise InputError(f"{name}: the image has no pixels ({w}x{h})")


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
    values = values.astype(np.float64)
    top = 1.0 if values.max(initial=0) <= 1.0 else (255.0 if values.max() <= 255 else 65535.0)
    return np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8)


def _reason(exc: Exception) -> str:
    text = str(exc)
    return "the file is truncated or damaged" if "truncated" in text or not text else text


def _load_with_opencv(
    source: Path | io.BytesIO, name: str, cause: Exception, limit: int
) -> np.ndarray:
    """Fallback for TIFFs PIL cannot decode (16-bit colour), else a clear error."""
    if isinstance(source, Path):
        data = np.fromfile(source, np.uint8)
    else:
        data = np.frombuffer(source.getbuffer(), np.uint8)
    arr = cv2.imdecode(data, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    if arr is None or arr.ndim not in (2, 3):
        raise InputError(f"{name}: cannot decode the image ({_reason(cause)})")
    _check_size(name, (arr.shape[1], arr.shape[0]), limit)
    if arr.dtype != np.uint8:
        arr = _high_depth_to_uint8(arr)
    if arr.ndim == 3:
        arr = from_bgr(arr[:, :, :3])
    return to_rgb(arr)
