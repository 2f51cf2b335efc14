"""decode_image / encode_image: the in-memory twins of load_image / write_image."""

import io

import numpy as np
import pytest
from PIL import Image

from retouch.core.errors import InputError, LimitError
from retouch.core.io import decode_image, encode_image, load_image, write_image


@pytest.fixture
def photo(rng) -> np.ndarray:
    return rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)


def _pil_bytes(array: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "BMP", "WEBP"])
def test_lossless_round_trip(photo, fmt):
    loaded = decode_image(encode_image(photo, fmt, quality=100))
    assert np.array_equal(loaded.rgb, photo) and loaded.alpha is None
    assert loaded.format == {"WEBP": "WebP"}.get(fmt, fmt)


def test_jpeg_encoding_is_jpeg_and_close(photo):
    smooth = np.repeat(np.repeat(photo[::8, ::8], 8, 0), 8, 1)
    data = encode_image(smooth, "jpeg", quality=95)
    assert data[:3] == b"\xff\xd8\xff"
    assert np.abs(decode_image(data).rgb.astype(int) - smooth).mean() < 8


def test_mask_encodes_as_grayscale(photo):
    mask = np.where(photo[:, :, 0] > 127, 255, 0).astype(np.uint8)
    with Image.open(io.BytesIO(encode_image(mask, "PNG"))) as img:
        assert img.mode == "L" and np.array_equal(np.asarray(img), mask)


def test_alpha_and_icc_are_kept(photo):
    alpha = np.full(photo.shape[:2], 255, np.uint8)
    alpha[:, :4] = 0
    loaded = decode_image(encode_image(photo, "PNG", alpha=alpha, icc_profile=b"icc"))
    assert np.array_equal(loaded.alpha, alpha) and loaded.icc_profile == b"icc"


def test_decode_matches_load_image(tmp_path, photo):
    path = write_image(tmp_path / "a.png", photo)
    from_file, from_bytes = load_image(path), decode_image(path.read_bytes())
    assert np.array_equal(from_file.rgb, from_bytes.rgb) and from_file.format == from_bytes.format


def test_exif_orientation_is_applied(photo):
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _pil_bytes(photo, "JPEG", exif=exif, quality=100)
    assert decode_image(data).rgb.shape == (32, 24, 3)


def test_empty_bytes_are_refused():
    with pytest.raises(InputError, match="upload: the file is empty"):
        decode_image(b"")


def test_not_an_image_is_refused():
    with pytest.raises(InputError, match="not an image"):
        decode_image(b"hello, this is text and not a picture", name="image")


def test_truncated_image_is_refused(photo):
    data = _pil_bytes(photo, "PNG")
    with pytest.raises(InputError, match="mask: cannot decode"):
        decode_image(data[: len(data) // 2], name="mask")


def test_unsupported_format_is_refused(photo):
    with pytest.raises(InputError, match="GIF images are not supported"):
        decode_image(_pil_bytes(photo, "GIF"))


def test_pixel_limit_raises_limit_error(photo):
    data = encode_image(photo, "PNG")
    with pytest.raises(LimitError, match="over the limit"):
        decode_image(data, pixel_limit=24 * 32 - 1)
    assert decode_image(data, pixel_limit=24 * 32).rgb.shape == photo.shape


def test_limit_error_is_an_input_error():
    assert issubclass(LimitError, InputError)


@pytest.mark.parametrize("fmt", ["gif", "jpeg2000", ""])
def test_unknown_output_format_is_refused(photo, fmt):
    with pytest.raises(InputError, match="cannot encode"):
        encode_image(photo, fmt)


def test_bad_quality_is_refused(photo):
    with pytest.raises(InputError, match="quality"):
        encode_image(photo, "JPEG", quality=0)
