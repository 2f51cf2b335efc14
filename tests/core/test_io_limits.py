"""Pixel limits in the user's units, checked per call; Pillow's global guard left alone."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import threading
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from retouch.core.errors import InputError, LimitError
from retouch.core.io import (
    DEFAULT_MAX_PIXELS,
    decode_image,
    load_image,
    max_pixels,
    parse_pixel_count,
    write_image,
)

PILLOW_DEFAULT = 1024 * 1024 * 1024 // 4 // 3  # PIL.Image.MAX_IMAGE_PIXELS as shipped


def png_header(width: int, height: int) -> bytes:
    """A tiny grayscale PNG that declares ``width`` x ``height`` but holds 64 bytes of pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("150000000", 150_000_000),
        ("150_000_000", 150_000_000),
        ("1.5e8", 150_000_000),
        ("150e6", 150_000_000),
        (" 2E7 ", 20_000_000),
        ("1e3", 1000),
        ("1", 1),
    ],
)
def test_parse_pixel_count(text, value):
    assert parse_pixel_count(text) == value and isinstance(parse_pixel_count(text), int)


@pytest.mark.parametrize("text", ["", "many", "1,000", "0x10", "1e3.5", "12 MP"])
def test_parse_pixel_count_refuses_what_is_not_a_number(text):
    with pytest.raises(InputError, match="is not a number; write a positive whole number"):
        parse_pixel_count(text)


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "2.5e0", "inf", "nan", "-1e6"])
def test_parse_pixel_count_refuses_what_is_not_a_positive_whole_number(text):
    with pytest.raises(InputError, match=rf"must be a positive whole number .*got {text!r}"):
        parse_pixel_count(text, source="--max-pixels")


def test_max_pixels_reads_the_environment_in_any_notation(monkeypatch):
    monkeypatch.delenv("RETOUCH_MAX_PIXELS", raising=False)
    assert max_pixels() == DEFAULT_MAX_PIXELS == 150_000_000
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "1e3")
    assert max_pixels() == 1000  # was silently ignored
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "")
    assert max_pixels() == DEFAULT_MAX_PIXELS


@pytest.mark.parametrize("value", ["many", "-5", "0", "1.5"])
def test_a_bad_environment_value_is_an_error_naming_it(monkeypatch, value):
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", value)
    with pytest.raises(InputError, match=r"^RETOUCH_MAX_PIXELS"):
        max_pixels()
    with pytest.raises(InputError, match=r"^RETOUCH_MAX_PIXELS"):
        decode_image(png_header(4, 4))


def test_the_environment_limit_applies(tmp_path, rng, monkeypatch):
    path = write_image(tmp_path / "a.png", rng.integers(0, 256, (30, 40, 3), dtype=np.uint8))
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "1e3")
    with pytest.raises(LimitError, match=r"1,200 pixels .* over the limit of 1,000 pixels"):
        load_image(path)
    assert load_image(path, pixel_limit=1200).rgb.shape == (30, 40, 3)


@pytest.mark.parametrize("limit", [0, -1, 0.5, 1.5, float("nan"), float("inf"), "100", True])
def test_pixel_limit_must_be_a_positive_number_of_pixels(tmp_path, limit):
    message = re.escape(f"pixel_limit must be a positive number of pixels, got {limit!r}")
    if isinstance(limit, (int, float)) and not isinstance(limit, bool):
        message = re.escape(f"pixel_limit must be a positive number of pixels, got {limit}")
    with pytest.raises(InputError, match=message):
        decode_image(png_header(4, 4), pixel_limit=limit)
    with pytest.raises(InputError, match=message):
        load_image(tmp_path / "not-even-read.png", pixel_limit=limit)


def test_minus_one_message_exactly():
    with pytest.raises(InputError) as caught:
        decode_image(png_header(4, 4), pixel_limit=-1)
    assert str(caught.value) == "pixel_limit must be a positive number of pixels, got -1"


def test_limit_error_names_pixels_and_megapixels():
    with pytest.raises(LimitError) as caught:
        decode_image(png_header(8000, 6000), pixel_limit=20_000_000, name="photo.jpg")
    assert str(caught.value) == (
        "photo.jpg: 8000x6000 is 48,000,000 pixels (48.0 MP), over the limit of "
        "20,000,000 pixels (20.0 MP); raise it with --max-pixels or RETOUCH_MAX_PIXELS "
        "if the file is trusted"
    )


def test_limit_hint_is_the_callers(tmp_path):
    hint = "the server's limit is set with `retouch serve --max-pixels`"
    with pytest.raises(LimitError, match=re.escape(f"(0.001 MP); {hint}")):
        decode_image(png_header(40, 40), pixel_limit=1000, limit_hint=hint)
    with pytest.raises(LimitError) as caught:
        decode_image(png_header(40, 40), pixel_limit=1000, limit_hint=None)
    assert str(caught.value).endswith("over the limit of 1,000 pixels (0.001 MP)")
    path = tmp_path / "a.png"
    path.write_bytes(png_header(40, 40))
    with pytest.raises(LimitError, match="retouch serve --max-pixels"):
        load_image(path, pixel_limit=1000, limit_hint=hint)


def test_importing_retouch_leaves_pillows_guard_alone():
    code = (
        "import PIL.Image as I; before = I.MAX_IMAGE_PIXELS; "
        "import retouch, retouch.core.io, retouch.cli; "
        "print(before, I.MAX_IMAGE_PIXELS)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(PILLOW_DEFAULT)] * 2
    assert Image.MAX_IMAGE_PIXELS == PILLOW_DEFAULT


def test_100_mp_header_is_refused_by_our_limit_without_decoding():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's DecompressionBombWarning would raise here
        with pytest.raises(LimitError, match=r"100,000,000 pixels .* limit of 50,000,000 pixels"):
            decode_image(png_header(10_000, 10_000), pixel_limit=50_000_000)


def test_100_mp_within_a_raised_limit_does_not_hit_pillows_warning():
    filters = list(warnings.filters)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Past every size check: the 64 bytes of pixels run out, a plain input error.
        with pytest.raises(InputError, match="cannot decode the image") as caught:
            decode_image(png_header(10_000, 10_000), pixel_limit=120_000_000)
    assert not isinstance(caught.value, LimitError)
    assert warnings.filters == filters and Image.MAX_IMAGE_PIXELS == PILLOW_DEFAULT


def test_over_pillows_hard_bound_is_a_clear_limit_error():
    # 200 MP: over twice Pillow's default, which retouch does not change.
    with pytest.raises(LimitError, match=r"200,000,000 pixels .* limit of 150,000,000 pixels"):
        decode_image(png_header(20_000, 10_000))
    with pytest.raises(LimitError, match=r"Pillow refuses images over 178,956,970 pixels"):
        decode_image(png_header(20_000, 10_000), pixel_limit=300_000_000)


def test_threads_leave_the_warning_filters_as_they_were():
    filters, errors = list(warnings.filters), []

    def work():
        for _ in range(5):
            try:
                decode_image(png_header(10_000, 10_000), pixel_limit=120_000_000)
            except InputError:
                pass
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and warnings.filters == filters
