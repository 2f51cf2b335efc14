"""Fuzz the decoders: a damaged file of any supported format is an InputError, nothing else.

Seed files are made from the bundled sample photo (downscaled to 64 x 48) in every
readable format and several TIFF layouts, then mutated with an explicit generator:
byte flips, truncation, duplicated chunks and overwritten header fields. Each mutant goes
through ``decode_image`` and ``load_image``: 960 mutants, decoded from bytes and from a
file, in about a second. Pillow's warnings about the damage it meets are expected here.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

import retouch
from retouch.core.errors import InputError
from retouch.core.io import decode_image, load_image

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL.*")

SAMPLE = Path(retouch.__file__).parent / "data" / "sample.jpg"
MUTANTS_PER_SEED = 60
# Before decoder failures were all made InputErrors, this seed's mutants let four
# TypeErrors out of Pillow's TIFF reader (see the StripOffsets test at the end).
SEED = 18


def _sample() -> Image.Image:
    with Image.open(SAMPLE) as img:
        return img.convert("RGB").resize((64, 48), Image.Resampling.BILINEAR)


def _save(img: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _seeds() -> dict[str, bytes]:
    img = _sample()
    exif = Image.Exif()
    exif[0x010F] = "retouch"  # Make
    exif[0x0112] = 6  # Orientation: rotate on display
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    meta = {"exif": exif.tobytes(), "icc_profile": icc}
    gray16 = Image.fromarray(np.asarray(img.convert("L")).astype(np.uint16) * 257)
    seeds = {
        "jpeg": _save(img, "JPEG", quality=90, **meta),
        "jpeg-progressive": _save(img, "JPEG", progressive=True),
        "png": _save(img, "PNG", **meta),
        "png-rgba": _save(img.convert("RGBA"), "PNG"),
        "png-palette": _save(img.convert("P"), "PNG"),
        "png-16bit": _save(gray16, "PNG"),
        "webp": _save(img, "WEBP", quality=80, **meta),
        "webp-lossless": _save(img.convert("RGBA"), "WEBP", lossless=True),
        "bmp": _save(img, "BMP"),
        "tiff-16bit": _save(gray16, "TIFF", compression="tiff_deflate"),
        "tiff-meta": _save(img, "TIFF", **meta),
    }
    for compression in ("raw", "tiff_lzw", "tiff_deflate", "packbits", "jpeg"):
        seeds[f"tiff-{compression}"] = _save(img, "TIFF", compression=compression)
    return seeds


def _flip(rng: np.random.Generator, data: bytearray) -> bytearray:
    for at in rng.integers(0, len(data), int(rng.integers(1, 9))):
        data[at] = int(rng.integers(0, 256))
    return data


def _truncate(rng: np.random.Generator, data: bytearray) -> bytearray:
    return data[: int(rng.integers(1, len(data)))]


def _duplicate(rng: np.random.Generator, data: bytearray) -> bytearray:
    start = int(rng.integers(0, len(data)))
    chunk = data[start : start + int(rng.integers(1, 256))]
    at = int(rng.integers(0, len(data)))
    return data[:at] + chunk + data[at:]


def _header(rng: np.random.Generator, data: bytearray) -> bytearray:
    """Overwrite a header field: a TIFF tag's type, count or value, else bytes near the start."""
    ifd = _tiff_ifd(data)
    if ifd is None:
        at = int(rng.integers(0, min(len(data), 64)))
        value = int(rng.choice([0x00, 0xFF, 0x7F, 0x80, int(rng.integers(0, 256))]))
        data[at : at + int(rng.choice([1, 2, 4]))] = bytes([value]) * int(rng.choice([1, 2, 4]))
        return data
    start, count, order = ifd
    entry = start + 2 + 12 * int(rng.integers(0, count))
    field = int(rng.choice(3, p=[0.5, 0.25, 0.25]))
    if field == 0:  # the type: BYTE, ASCII, SHORT, LONG, RATIONAL, ..., DOUBLE
        data[entry + 2 : entry + 4] = int(rng.integers(1, 13)).to_bytes(2, order)
    else:  # the count or the value / offset
        value = int(rng.choice([0, 1, 2**16 - 1, 2**31, int(rng.integers(0, 2**32))]))
        data[entry + 4 * field : entry + 4 * field + 4] = value.to_bytes(4, order)
    return data


def _tiff_ifd(data: bytearray) -> tuple[int, int, str] | None:
    """(offset, entry count, byte order) of a classic TIFF's first IFD, or None."""
    order = {b"II*\0": "little", b"MM\0*": "big"}.get(bytes(data[:4]))
    if order is None:
        return None
    start = int.from_bytes(data[4:8], order)
    count = int.from_bytes(data[start : start + 2], order) if start + 2 <= len(data) else 0
    return (start, count, order) if 0 < count and start + 2 + 12 * count <= len(data) else None


MUTATIONS: list[Callable[[np.random.Generator, bytearray], bytearray]] = [
    _flip,
    _truncate,
    _duplicate,
    _header,
]


def _check(result_or_error: Callable[[], object], label: str, escapes: list[str]) -> None:
    try:
        loaded = result_or_error()
    except InputError:
        return
    except Exception as exc:  # anything else escaping is the bug this test hunts
        escapes.append(f"{label}: {type(exc).__name__}: {exc}")
        return
    rgb = loaded.rgb
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or not rgb.flags.c_contiguous:
        escapes.append(f"{label}: decoded to {rgb.shape} {rgb.dtype}")


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    return _seeds()


def test_seeds_decode(seeds):
    for name, data in seeds.items():
        rgb = decode_image(data, name=name).rgb
        assert rgb.dtype == np.uint8 and rgb.shape[2] == 3, name
        assert rgb.shape[:2] in ((48, 64), (64, 48)), name


def test_mutated_files_raise_only_input_error(seeds, tmp_path):
    rng = np.random.default_rng(SEED)
    escapes: list[str] = []
    count = 0
    for name, data in seeds.items():
        for i in range(MUTANTS_PER_SEED):
            mutate = MUTATIONS[i % len(MUTATIONS)]
            mutant = bytes(mutate(rng, bytearray(data)))
            label = f"{name} #{i} {mutate.__name__.strip('_')}"
            path = tmp_path / f"{name}-{i}.img"
            path.write_bytes(mutant)
            _check(lambda m=mutant, n=label: decode_image(m, name=n), label, escapes)
            _check(lambda p=path: load_image(p), label + " (file)", escapes)
            count += 1
    assert count == len(seeds) * MUTANTS_PER_SEED >= 300
    assert not escapes, f"{len(escapes)} of {count} mutants escaped:\n" + "\n".join(escapes[:20])


def _tiff_with_tag_type(data: bytes, tag: int, kind: int) -> bytes:
    data = bytearray(data)
    start, count, order = _tiff_ifd(data)
    for entry in range(start + 2, start + 2 + 12 * count, 12):
        if int.from_bytes(data[entry : entry + 2], order) == tag:
            data[entry + 2 : entry + 4] = kind.to_bytes(2, order)
            return bytes(data)
    raise AssertionError(f"tag {tag} not found")


@pytest.mark.parametrize("kind", [2, 5, 7, 10, 11, 12])  # ASCII, RATIONAL, UNDEFINED, ...
def test_tiff_with_strip_offsets_of_the_wrong_type_is_an_input_error(seeds, kind):
    # Found by the fuzz test: Pillow raised "TypeError: 'IFDRational' object cannot be
    # interpreted as an integer" when StripOffsets (tag 273) was stored as a RATIONAL.
    damaged = _tiff_with_tag_type(seeds["tiff-raw"], 273, kind)
    with pytest.raises(InputError, match=r"strips\.tif: cannot decode the image"):
        decode_image(damaged, name="strips.tif")


def test_tiff_whose_opencv_fallback_fails_is_an_input_error(seeds):
    # ImageWidth 64 -> 1048640 and ImageLength 48 -> 1: Pillow cannot read the strips and
    # OpenCV's fallback raised cv2.error (an assertion on the width) instead.
    data = bytearray(seeds["tiff-raw"])
    start, count, order = _tiff_ifd(data)
    for entry in range(start + 2, start + 2 + 12 * count, 12):
        tag = int.from_bytes(data[entry : entry + 2], order)
        if tag in (256, 257):  # ImageWidth, ImageLength
            value = 1048640 if tag == 256 else 1
            kind = int.from_bytes(data[entry + 2 : entry + 4], order)
            data[entry + 8 : entry + (10 if kind == 3 else 12)] = value.to_bytes(
                2 if kind == 3 else 4, order
            )
    with pytest.raises(InputError, match=r"wide\.tif: cannot decode the image"):
        decode_image(bytes(data), name="wide.tif")
