"""EXIF and ICC profile: read into LoadedImage, written back by every format that holds them."""

from __future__ import annotations

import io
import logging

import numpy as np
import pytest
from PIL import Image, ImageCms

from retouch.core.io import decode_image, encode_image, load_image, write_image

ARTIST, MAKE, TAKEN = 0x013B, 0x010F, 0x9003  # IFD0, IFD0, Exif sub-IFD
ORIENTATION, EXIF_IFD = 0x0112, 0x8769


@pytest.fixture(scope="module")
def icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture
def photo(rng) -> np.ndarray:
    # Smooth, so that JPEG comes back close to it.
    small = rng.integers(0, 256, (3, 4, 3), dtype=np.uint8)
    return np.repeat(np.repeat(small, 8, 0), 8, 1)  # 24 x 32


def _exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ARTIST], exif[MAKE] = "Ann Artist", "Make Co"
    exif.get_ifd(EXIF_IFD)[TAKEN] = "2024:05:06 07:08:09"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    return exif


def _tags(exif_bytes: bytes | None) -> dict:
    assert exif_bytes, "no EXIF"
    exif = Image.Exif()
    exif.load(exif_bytes)
    return {**dict(exif), "taken": exif.get_ifd(EXIF_IFD).get(TAKEN)}


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".tif"])
def test_exif_and_icc_survive_write_and_load(tmp_path, photo, icc, ext):
    path = write_image(tmp_path / f"a{ext}", photo, icc_profile=icc, exif=_exif().tobytes())
    loaded = load_image(path)
    tags = _tags(loaded.exif)
    assert tags[ARTIST] == "Ann Artist" and tags[MAKE] == "Make Co"
    assert tags["taken"] == "2024:05:06 07:08:09"
    assert loaded.icc_profile == icc and loaded.rgb.shape == photo.shape


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_encode_image_writes_exif_too(photo, icc, fmt):
    loaded = decode_image(encode_image(photo, fmt, icc_profile=icc, exif=_exif().tobytes()))
    assert _tags(loaded.exif)[ARTIST] == "Ann Artist" and loaded.icc_profile == icc


@pytest.mark.parametrize("out", [".jpg", ".png", ".webp", ".tif"])
def test_an_output_is_not_rotated_twice(tmp_path, photo, out):
    # 24 x 32 stored, orientation 6: upright it is 32 x 24.
    Image.fromarray(photo).save(tmp_path / "in.jpg", exif=_exif(orientation=6), quality=100)
    loaded = load_image(tmp_path / "in.jpg")
    assert loaded.rgb.shape == (32, 24, 3)
    tags = _tags(loaded.exif)
    assert ORIENTATION not in tags and tags[ARTIST] == "Ann Artist"
    again = load_image(write_image(tmp_path / f"out{out}", loaded.rgb, exif=loaded.exif))
    assert again.rgb.shape == (32, 24, 3)
    assert np.abs(again.rgb.astype(int) - loaded.rgb).mean() < 8
    assert ORIENTATION not in _tags(again.exif)


def test_tiff_layout_tags_are_not_carried_to_the_output(tmp_path, photo, icc):
    Image.fromarray(photo).save(
        tmp_path / "in.tif", exif=_exif(orientation=8), icc_profile=icc, compression="tiff_lzw"
    )
    loaded = load_image(tmp_path / "in.tif")
    assert loaded.rgb.shape == (32, 24, 3) and loaded.icc_profile == icc
    tags = _tags(loaded.exif)
    assert tags[ARTIST] == "Ann Artist"
    assert not {256, 257, 259, 273, 279, ORIENTATION, 34675} & set(tags)
    again = load_image(write_image(tmp_path / "out.jpg", loaded.rgb, exif=loaded.exif))
    assert again.rgb.shape == (32, 24, 3) and _tags(again.exif)[MAKE] == "Make Co"


def test_no_metadata_is_none(tmp_path, photo):
    loaded = load_image(write_image(tmp_path / "a.png", photo))
    assert loaded.exif is None and loaded.icc_profile is None


def test_bmp_drops_metadata_with_a_debug_log(tmp_path, photo, icc, caplog):
    with caplog.at_level(logging.DEBUG, logger="retouch.core"):
        path = write_image(tmp_path / "a.bmp", photo, icc_profile=icc, exif=_exif().tobytes())
    assert "holds no ICC profile or EXIF" in caplog.text
    loaded = load_image(path)
    assert loaded.exif is None and loaded.icc_profile is None


def test_exif_too_big_for_jpeg_is_dropped_with_a_warning(photo, caplog):
    exif = _exif()
    exif.get_ifd(EXIF_IFD)[0x9286] = b"ASCII\0\0\0" + b"x" * 70_000  # UserComment
    with caplog.at_level(logging.WARNING, logger="retouch.core"):
        data = encode_image(photo, "JPEG", exif=exif.tobytes())
    assert "do not fit in a JPEG" in caplog.text and decode_image(data).exif is None
    assert _tags(decode_image(encode_image(photo, "PNG", exif=exif.tobytes())).exif)[ARTIST]


def test_tiff_is_compressed_unless_exif_sub_ifds_need_the_plain_writer(tmp_path, photo):
    only_ifd0 = Image.Exif()
    only_ifd0[ARTIST] = "Ann Artist"
    for exif, compression in ((None, "tiff_adobe_deflate"), (only_ifd0, "tiff_adobe_deflate")):
        path = write_image(tmp_path / "a.tif", photo, exif=exif and exif.tobytes())
        with Image.open(path) as img:
            assert img.info["compression"] == compression
    path = write_image(tmp_path / "b.tif", photo, exif=_exif().tobytes())
    with Image.open(path) as img:
        assert img.info["compression"] == "raw"  # libtiff cannot write the Exif sub-IFD
    assert _tags(load_image(path).exif)["taken"] == "2024:05:06 07:08:09"


@pytest.mark.filterwarnings("ignore:Corrupt EXIF")
def test_damaged_exif_is_dropped_not_fatal(photo):
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="PNG", exif=b"Exif\0\0II*\0\xff\xff\xff\x7f")
    loaded = decode_image(buffer.getvalue())
    assert loaded.rgb.shape == photo.shape and loaded.exif is None


def test_exif_that_cannot_be_rewritten_is_dropped_with_a_warning(photo, monkeypatch, caplog):
    data = encode_image(photo, "PNG", exif=_exif().tobytes())

    def fail(self, *args, **kwargs):
        raise ValueError("bad tag type")

    monkeypatch.setattr(Image.Exif, "tobytes", fail)
    with caplog.at_level(logging.WARNING, logger="retouch.core"):
        loaded = decode_image(data, name="up.png")
    assert loaded.exif is None and np.array_equal(loaded.rgb, photo)
    assert "up.png: the EXIF data is damaged and is not kept (bad tag type)" in caplog.text
