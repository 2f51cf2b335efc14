"""A full disk or a short write is an OutputError; the target stays as it was, no file is left.

Two tiers: a real 64 KiB tmpfs (needs root and a container that allows mounting; skipped
with the reason otherwise) and a patched ``os.write`` that runs everywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from retouch.core.errors import OutputError
from retouch.core.io import copy_file, read_image, write_image, write_mask

# Random noise does not compress: every format needs over 100 KB for it.
NOISE_SIZE = (190, 190)


@pytest.fixture
def noise(rng) -> np.ndarray:
    return rng.integers(0, 256, (*NOISE_SIZE, 3), dtype=np.uint8)


@pytest.fixture
def tiny_disk(tmp_path):
    """A folder on a 64 KiB tmpfs, unmounted afterwards."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if sys.platform != "linux" or shutil.which("mount") is None:
        pytest.skip("a tmpfs needs Linux and mount(8); the short-write tests cover the check")
    cmd = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = done.stderr.strip() or f"exit status {done.returncode}"
        pytest.skip(f"cannot mount a 64 KiB tmpfs here ({reason}); the short-write tests run")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def _only(folder, name: str) -> bool:
    return sorted(p.name for p in folder.iterdir()) == [name]


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".tif", ".bmp"])
def test_full_disk_is_one_error_line_and_leaves_no_file(tiny_disk, noise, ext):
    # Before the size check, this BMP came out as a 65,536-byte file and "success".
    with pytest.raises(OutputError, match=rf"out\{ext}: cannot write") as caught:
        write_image(tiny_disk / f"out{ext}", noise, quality=100)
    assert "\n" not in str(caught.value) and "nothing was changed" in str(caught.value)
    assert list(tiny_disk.iterdir()) == []


def test_full_disk_keeps_the_old_file(tiny_disk, noise):
    target = write_image(tiny_disk / "out.png", noise[:8, :8])
    before = target.read_bytes()
    with pytest.raises(OutputError, match="cannot write"):
        write_image(target, noise)
    assert target.read_bytes() == before and _only(tiny_disk, "out.png")
    assert read_image(target).shape == (8, 8, 3)


def test_full_disk_mask_and_copy_are_errors(tiny_disk, tmp_path, noise):
    mask = np.where(np.tile(noise[..., 0], (2, 2)) > 127, 255, 0).astype(np.uint8)  # 160 KB
    with pytest.raises(OutputError, match="cannot write"):
        write_mask(tiny_disk / "m.bmp", mask)
    source = write_image(tmp_path / "big.bmp", noise)
    with pytest.raises(OutputError, match="cannot write"):
        copy_file(source, tiny_disk / "copy.bmp")
    assert list(tiny_disk.iterdir()) == []
    small = write_image(tmp_path / "small.png", noise[:4, :4])
    assert copy_file(small, tiny_disk / "s.png").read_bytes() == small.read_bytes()


def _patch_temp_writes(monkeypatch, write):
    """Route ``os.write`` on retouch's temporary ``.part`` files through ``write``."""
    parts: set[int] = set()
    real_open, real_write = os.open, os.write

    def tracking_open(path, flags, mode=0o777, **kwargs):
        fd = real_open(path, flags, mode, **kwargs)
        if str(path).endswith(".part"):
            parts.add(fd)
        return fd

    def patched_write(fd, data):
        return write(real_write, fd, data) if fd in parts else real_write(fd, data)

    monkeypatch.setattr(os, "open", tracking_open)
    monkeypatch.setattr(os, "write", patched_write)


def _lying_write(real_write, fd, data):
    """A broken file system: says every byte is written, keeps half."""
    real_write(fd, bytes(data[: len(data) // 2]))
    return len(data)


def _full_after_1000_bytes(real_write, fd, data):
    if os.fstat(fd).st_size >= 1000:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real_write(fd, bytes(data[: 1000 - os.fstat(fd).st_size]))


WRITERS = {
    "image": lambda folder, noise: write_image(folder / "out.png", noise),
    "mask": lambda folder, noise: write_mask(folder / "out.png", noise[..., 0]),
    "copy": lambda folder, noise: copy_file(folder / "in.bmp", folder / "out.png"),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize(
    ("write", "message"),
    [
        (_lying_write, r"only [\d,]+ of [\d,]+ bytes reached the disk \(is it full\?\)"),
        (_full_after_1000_bytes, r"cannot write \(No space left on device\)"),
    ],
    ids=["lying-write", "enospc"],
)
def test_short_write_is_an_error_and_keeps_the_old_file(
    tmp_path, noise, monkeypatch, writer, write, message
):
    write_image(tmp_path / "in.bmp", noise)  # the copy's source
    target = tmp_path / "out.png"
    target.write_bytes(b"the old file")
    _patch_temp_writes(monkeypatch, write)
    with pytest.raises(OutputError, match=message):
        WRITERS[writer](tmp_path, noise)
    assert target.read_bytes() == b"the old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.bmp", "out.png"]


def test_a_file_that_does_not_decode_is_refused(tmp_path, noise, monkeypatch):
    target = tmp_path / "out.png"

    def broken_encoder(self, fp, format=None, **options):
        fp.write(b"\x89PNG\r\n\x1a\n not really")

    monkeypatch.setattr(Image.Image, "save", broken_encoder)
    with pytest.raises(
        OutputError, match=r"out\.png: cannot write: the written file does not decode"
    ):
        write_image(target, noise)
    assert list(tmp_path.iterdir()) == []
