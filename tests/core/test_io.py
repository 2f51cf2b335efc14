import os
import re
import struct

import numpy as np
import pytest
from PIL import Image, ImageFile

from retouch.core.errors import InputError, OutputError
from retouch.core.io import (
    check_image_path,
    check_mask_path,
    check_writable,
    copy_file,
    decode_image,
    from_bgr,
    load_image,
    mask_from_array,
    read_image,
    read_mask,
    to_bgr,
    to_rgb,
    write_image,
    write_mask,
)


@pytest.fixture
def photo(rng) -> np.ndarray:
    return rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)


@pytest.mark.parametrize("ext", [".png", ".tif", ".bmp", ".webp"])
def test_lossless_round_trip(tmp_path, photo, ext):
    path = write_image(tmp_path / f"a{ext}", photo, quality=100)
    assert np.array_equal(read_image(path), photo)


def test_jpeg_round_trip_is_close(tmp_path, photo):
    smooth = np.repeat(np.repeat(photo[::8, ::8], 8, 0), 8, 1)
    path = write_image(tmp_path / "a.jpg", smooth, quality=95)
    assert np.abs(read_image(path).astype(int) - smooth).mean() < 8


def test_alpha_is_kept_aside_and_written_back(tmp_path, photo):
    alpha = np.full(photo.shape[:2], 255, np.uint8)
    alpha[:, :5] = 0
    path = write_image(tmp_path / "a.png", photo, alpha=alpha)
    loaded = load_image(path)
    assert np.array_equal(loaded.alpha, alpha) and np.array_equal(loaded.rgb, photo)


def test_exif_orientation_is_applied(tmp_path, photo):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    Image.fromarray(photo).save(tmp_path / "r.jpg", exif=exif, quality=100)
    assert read_image(tmp_path / "r.jpg").shape == (32, 24, 3)


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "I;16", "LA", "1"])
def test_modes_convert_to_rgb(tmp_path, mode):
    base = Image.fromarray(np.tile(np.arange(0, 256, 16, dtype=np.uint8), (8, 1)))
    if mode == "I;16":
        img = Image.fromarray(np.asarray(base).astype(np.uint16) * 257)
        path = tmp_path / "a.png"
    else:
        img = base.convert(mode)
        path = tmp_path / ("a.tif" if mode == "CMYK" else "a.png")
    img.save(path)
    out = read_image(path)
    assert out.shape == (8, 16, 3) and out.dtype == np.uint8
    if mode in ("L", "I;16", "LA"):
        assert np.array_equal(out[..., 0], np.asarray(base))


def test_16bit_colour_tiff(tmp_path):
    import cv2

    rgb16 = np.zeros((4, 5, 3), np.uint16)
    rgb16[..., 0] = 65535  # red
    cv2.imwrite(str(tmp_path / "a.tif"), rgb16[..., ::-1])
    out = read_image(tmp_path / "a.tif")
    assert out.dtype == np.uint8 and out[0, 0].tolist() == [255, 0, 0]


def test_errors_for_bad_files(tmp_path, photo):
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_image(tmp_path / "empty.jpg")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(InputError, match="not an image"):
        read_image(tmp_path / "text.png")
    with pytest.raises(InputError, match="no such file"):
        read_image(tmp_path / "missing.png")
    data = (write_image(tmp_path / "full.jpg", photo)).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"truncated|damaged|cannot decode"):
        read_image(tmp_path / "cut.jpg")
    Image.fromarray(photo).save(tmp_path / "a.gif")
    with pytest.raises(InputError, match="GIF images are not supported"):
        read_image(tmp_path / "a.gif")


def test_pixel_limit_stops_decompression_bombs(tmp_path, photo, monkeypatch):
    path = write_image(tmp_path / "a.png", photo)
    with pytest.raises(InputError, match="over the limit"):
        read_image(path, pixel_limit=100)
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "100")
    with pytest.raises(InputError, match="RETOUCH_MAX_PIXELS"):
        read_image(path)


def test_masks_from_gray_alpha_and_coloured_strokes(tmp_path):
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[1, 1] = (200, 0, 0)  # red stroke on black
    rgb[2, 2] = (60, 60, 60)  # too dark to count
    assert mask_from_array(rgb).tolist()[1][1] == 255 and mask_from_array(rgb)[2, 2] == 0
    alpha = np.zeros((4, 4), np.uint8)
    alpha[3, 3] = 255
    assert mask_from_array(np.full((4, 4, 3), 255, np.uint8), alpha=alpha).sum() == 255
    write_image(tmp_path / "m.png", np.full((4, 4, 3), 255, np.uint8), alpha=alpha)
    assert read_mask(tmp_path / "m.png").sum() == 255


def test_write_is_atomic_and_leaves_no_partial_file(tmp_path, photo, monkeypatch):
    target = tmp_path / "out.png"
    write_image(target, photo)
    before = target.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", broken)
    with pytest.raises(OutputError, match="No space left"):
        write_image(target, photo[::-1].copy())
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_write_errors(tmp_path, photo):
    with pytest.raises(OutputError, match="unknown output extension"):
        write_image(tmp_path / "a.xyz", photo)
    with pytest.raises(OutputError, match="does not exist"):
        write_image(tmp_path / "nope" / "a.png", photo)
    with pytest.raises(OutputError, match="lossless"):
        write_mask(tmp_path / "m.jpg", np.zeros((4, 4), np.uint8))
    with pytest.raises(OutputError, match="does not exist"):
        write_mask(tmp_path / "nope" / "m.png", np.zeros((4, 4), np.uint8))


def test_unwritable_folder(tmp_path, photo, monkeypatch):
    # Simulated: tests run as root in CI, and root may write into read-only folders.
    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith(".part"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(OutputError, match=r"cannot write in .*Permission denied"):
        write_image(tmp_path / "a.png", photo)
    with pytest.raises(OutputError, match=r"cannot write in .*Permission denied"):
        check_writable(tmp_path / "a.png")
    assert list(tmp_path.iterdir()) == []


def test_output_folder_that_is_a_file(tmp_path, photo):
    (tmp_path / "sample.jpg").write_bytes(b"x")
    target = tmp_path / "sample.jpg" / "out.png"
    message = f"{target}: {tmp_path / 'sample.jpg'} is a file, not a folder"
    with pytest.raises(OutputError, match=re.escape(message)):
        write_image(target, photo)
    with pytest.raises(OutputError, match=re.escape(message)):
        check_writable(target)
    deeper = tmp_path / "sample.jpg" / "sub" / "out.png"
    with pytest.raises(OutputError, match=r"sample\.jpg is a file, not a folder"):
        check_writable(deeper)


def test_check_writable_before_any_work(tmp_path, monkeypatch):
    check_writable(tmp_path / "new.png")  # a writable folder: nothing raised, nothing left
    monkeypatch.chdir(tmp_path)
    check_writable("relative-name.png")  # the current folder
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputError, match=r"the folder .*nope does not exist"):
        check_writable(tmp_path / "nope" / "a.png")
    with pytest.raises(OutputError, match="is a folder"):
        check_writable(tmp_path)


def test_check_image_and_mask_paths(tmp_path):
    assert check_image_path(tmp_path / "a.JPG") == "JPEG"
    assert check_mask_path(tmp_path / "m.png") == "PNG"
    with pytest.raises(OutputError, match=r"unknown output extension '\.xyz'"):
        check_image_path(tmp_path / "a.xyz")
    for name in ("m.jpg", "m.jpeg", "m.xyz", "m"):
        with pytest.raises(OutputError, match=r"write masks as \.png, \.webp, \.tif or \.bmp"):
            check_mask_path(tmp_path / name)
    with pytest.raises(OutputError, match="does not exist"):
        check_mask_path(tmp_path / "nope" / "m.png")
    assert list(tmp_path.iterdir()) == []


def test_copy_file_is_bit_for_bit_and_atomic(tmp_path, photo):
    source = write_image(tmp_path / "in.jpg", photo, quality=80)
    target = tmp_path / "out.jpg"
    target.write_bytes(b"old")
    assert copy_file(source, target) == target
    assert target.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jpg", "out.jpg"]
    with pytest.raises(InputError, match="no such file"):
        copy_file(tmp_path / "missing.jpg", target)
    with pytest.raises(OutputError, match="does not exist"):
        copy_file(source, tmp_path / "nope" / "out.jpg")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (MemoryError(), "not enough memory"),
        (TypeError("bad tag"), "TypeError: bad tag"),
        (KeyError(7), "KeyError: 7"),
        (struct.error("unpack requires 4 bytes"), "unpack requires"),
        (OSError("broken data stream"), "broken data stream"),
    ],
)
def test_any_decoder_failure_is_an_input_error(tmp_path, photo, monkeypatch, error, reason):
    path = write_image(tmp_path / "a.png", photo)
    data = path.read_bytes()

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(ImageFile.ImageFile, "load", fail)
    with pytest.raises(InputError, match=rf"a\.png: cannot decode the image \(.*{reason}"):
        load_image(path)
    with pytest.raises(InputError, match=rf"up: cannot decode the image \(.*{reason}"):
        decode_image(data, name="up")


def test_colour_helpers(photo):
    assert np.array_equal(from_bgr(to_bgr(photo)), photo)
    assert to_bgr(photo)[0, 0, 0] == photo[0, 0, 2]
    assert to_rgb(photo[..., 0]).shape == (24, 32, 3)
    assert to_rgb(np.dstack([photo, photo[..., :1]])).shape == (24, 32, 3)


def test_opencv_fallback_keeps_the_icc_profile(tmp_path, photo, monkeypatch):
    from retouch.core import io as retouch_io

    icc = b"a profile"
    Image.fromarray(photo).save(tmp_path / "a.tif", icc_profile=icc)

    def pil_cannot(*args, **kwargs):
        raise OSError("unsupported layout")  # as for 16-bit colour TIFFs

    monkeypatch.setattr(retouch_io, "_from_pil", pil_cannot)
    loaded = load_image(tmp_path / "a.tif")
    assert np.array_equal(loaded.rgb, photo) and loaded.icc_profile == icc
