"""Output files: paths checked before work, atomic and verified writes, exact copies.

A write goes to a temporary file beside the target: the bytes are written in full
(short writes retried), flushed to the disk with ``fsync``, their size on disk compared
with what was meant, and the file read back (and, for images, decoded) before it is
renamed over the target. Any failure leaves no partial file and the target as it was,
and is one ``OutputError`` line.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from retouch.core.errors import InputError, LimitError, OutputError
from retouch.core.limits import open_image

__all__ = [
    "WRITE_EXTENSIONS",
    "check_image_path",
    "check_mask_path",
    "check_writable",
    "copy_file",
    "decode_check",
    "output_format",
    "write_atomic",
]

WRITE_EXTENSIONS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
}
_FULL_CHECK_PIXELS = 4_000_000  # outputs up to this size are decoded in full to check them

_UNCHANGED = "nothing was changed"


def check_writable(path: str | os.PathLike) -> None:
    """Raise OutputError now unless a file can be written at ``path``.

    Refuses a missing folder, a folder path that is a file, ``path`` itself being a
    folder, and a folder where a file cannot be created (tried with a temporary file,
    deleted at once). Call it before long work whose result goes to ``path``.
    """
    path = Path(path)
    fd, tmp = _open_temp(path)
    os.close(fd)
    tmp.unlink(missing_ok=True)


def output_format(path: str | os.PathLike, *, mask: bool = False) -> str:
    """The format name ``path``'s extension asks for (e.g. "PNG"), else OutputError.

    With ``mask``, only lossless formats (no JPEG).
    """
    path = Path(path)
    fmt = WRITE_EXTENSIONS.get(path.suffix.lower())
    if mask and fmt in (None, "JPEG"):
        raise OutputError(f"{path}: write masks as .png, .webp, .tif or .bmp (lossless)")
    if fmt is None:
        raise OutputError(
            f"{path}: unknown output extension {path.suffix!r}; "
            f"use one of {', '.join(sorted(WRITE_EXTENSIONS))}"
        )
    return fmt


def check_image_path(path: str | os.PathLike, *, mask: bool = False) -> str:
    """Raise OutputError now unless an image (with ``mask``: a mask) can be written at ``path``.

    Checks the extension as ``write_image`` / ``write_mask`` do, then the folder as
    ``check_writable`` does. Returns the format name (e.g. "PNG").
    """
    fmt = output_format(path, mask=mask)
    check_writable(path)
    return fmt


def check_mask_path(path: str | os.PathLike) -> str:
    """``check_image_path(path, mask=True)``: a lossless image format and a writable folder."""
    return check_image_path(path, mask=True)


def copy_file(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Copy ``source`` to ``target`` bit for bit, atomically and verified; returns ``target``.

    For an image that comes out unchanged in its own format. Raises InputError if
    ``source`` cannot be read and OutputError (the target as it was) if ``target``
    cannot be written in full.
    """
    source = Path(source)
    if not source.is_file():
        raise InputError(f"{source}: no such file")
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    return write_atomic(target, data)


def write_atomic(
    path: str | os.PathLike, data: bytes, *, check: Callable[[Path], None] | None = None
) -> Path:
    """Write ``data`` to ``path`` atomically and verified; returns ``path``.

    ``check(tmp)`` may inspect the complete temporary file (e.g. decode it) and raise
    any exception to refuse it. Raises OutputError (the target untouched, no temporary
    file left) when the disk is full, the write is cut short or the check fails.
    """
    path = Path(path)
    fd, tmp = _open_temp(path)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            written = os.fstat(fd).st_size
        finally:
            os.close(fd)
        _verify(path, tmp, data, written, check)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            reason = exc.strerror or str(exc)
            raise OutputError(f"{path}: cannot write ({reason}); {_UNCHANGED}") from None
        raise
    return path


def _verify(
    path: Path, tmp: Path, data: bytes, written: int, check: Callable[[Path], None] | None
) -> None:
    if written != len(data):
        raise OutputError(
            f"{path}: cannot write: only {written:,} of {len(data):,} bytes reached the disk "
            f"(is it full?); {_UNCHANGED}"
        )
    if tmp.read_bytes() != data:
        raise OutputError(f"{path}: cannot write: the file reads back different; {_UNCHANGED}")
    if check is not None:
        try:
            check(tmp)
        except Exception as exc:
            raise OutputError(
                f"{path}: cannot write: the written file does not decode ({exc}); {_UNCHANGED}"
            ) from None


def decode_check(fmt: str, pixels: int) -> Callable[[Path], None]:
    """A ``write_atomic`` check: the file opens as ``fmt`` (a Pillow format name) and decodes.

    Images up to 4 MP are decoded in full, larger ones checked with Pillow's ``verify``.
    """

    def check(tmp: Path) -> None:
        try:
            img = open_image(tmp, tmp.name, pixels, None)
        except LimitError:
            return  # over Pillow's own bound: the byte-for-byte check has to do
        with img:
            if img.format != fmt:
                raise ValueError(f"it reads back as {img.format}, not {fmt}")
            img.load() if pixels <= _FULL_CHECK_PIXELS else img.verify()

    return check


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        count = os.write(fd, view)
        if count <= 0:
            return  # no progress: the size check reports it
        view = view[count:]


def _folder(path: Path) -> Path:
    """The existing folder ``path`` goes in, else OutputError saying what is wrong."""
    folder = path.parent
    if path.is_dir():
        raise OutputError(f"{path} is a folder; name an output file in it")
    if folder.is_dir():
        return folder
    for above in (folder, *folder.parents):
        if above.exists():
            if not above.is_dir():
                raise OutputError(f"{path}: {above} is a file, not a folder")
            break
    raise OutputError(f"{path}: the folder {folder} does not exist")


def _open_temp(path: Path) -> tuple[int, Path]:
    """A new temporary file beside ``path`` (fd, path), or OutputError naming why not."""
    folder = _folder(path)
    try:
        return _create_temp(path, folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder} ({exc.strerror or exc})") from None


def _create_temp(path: Path, folder: Path) -> tuple[int, Path]:
    """A new, empty file beside ``path``, created with the umask's permissions."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = folder / f".{path.name[:200]}.{secrets.token_hex(4)}.part"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))
