"""Folders and files named by local paths or fsspec URLs (``file://``, ``s3://``, ...).

A local location (a plain path or ``file://``) is used in place, so the per-photo step
reads and writes the files themselves and an output is written atomically beside its
target (``retouch.core.atomic``). A remote one is copied to a temporary local file
before the step (``local_copy``) and its result uploaded after it (``publish``): to a
temporary name first, then moved over the target, so a half-uploaded result never
carries the target's name.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from retouch.core.atomic import WRITE_EXTENSIONS
from retouch.core.errors import InputError

__all__ = [
    "IMAGE_EXTENSIONS",
    "exists",
    "is_folder",
    "is_local",
    "join",
    "list_images",
    "local_copy",
    "make_folder",
    "name_of",
    "normalise",
    "open_fs",
    "publish",
    "sha256_file",
    "sha256_of",
]

IMAGE_EXTENSIONS = frozenset(WRITE_EXTENSIONS)
_CHUNK = 1 << 20


def open_fs(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path within it.

    Raises InputError naming the package to install for a protocol fsspec knows but
    cannot load (``s3://`` without s3fs) and for one it does not know.
    """
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise InputError(f"{url}: this storage needs another package ({exc})") from None
    except ValueError as exc:
        raise InputError(f"{url}: unknown storage ({exc})") from None


def is_local(url: str) -> bool:
    """True for a plain path or a ``file://`` URL."""
    return "://" not in url or url.startswith("file://")


def normalise(url: str | os.PathLike) -> str:
    """A local location as an absolute path (``file://`` removed); a remote URL as is."""
    url = os.fspath(url)
    if not is_local(url):
        return url.rstrip("/")
    return os.path.abspath(os.path.expanduser(url.removeprefix("file://")))


def join(folder: str, name: str) -> str:
    """``name`` inside the folder ``folder`` (a path or a URL)."""
    if is_local(folder):
        return os.path.join(folder, name)
    return f"{folder.rstrip('/')}/{name}"


def name_of(url: str) -> str:
    """The file name at the end of a path or URL."""
    return PurePosixPath(url.replace(os.sep, "/")).name


def is_folder(url: str) -> bool:
    """True when ``url`` names an existing folder."""
    if is_local(url):
        return os.path.isdir(url)
    fs, path = open_fs(url)
    return bool(fs.isdir(path))


def exists(url: str) -> bool:
    """True when a file exists at ``url``."""
    if is_local(url):
        return os.path.isfile(url)
    fs, path = open_fs(url)
    return bool(fs.isfile(path))


def list_images(folder: str) -> list[str]:
    """The image files directly in ``folder`` (sorted by name, not recursive), as
    locations like ``folder``; InputError if it is not a folder."""
    if not is_folder(folder):
        raise InputError(f"{folder}: no such folder (INPUT and --mask DIR are folders)")
    if is_local(folder):
        names = [e.name for e in os.scandir(folder) if e.is_file()]
    else:
        fs, path = open_fs(folder)
        names = [name_of(e["name"]) for e in fs.ls(path, detail=True) if e["type"] == "file"]
    return [join(folder, n) for n in sorted(names) if Path(n).suffix.lower() in IMAGE_EXTENSIONS]


def sha256_file(path: str | os.PathLike) -> str:
    """The sha256 of a local file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of(url: str) -> str | None:
    """The sha256 of the file at ``url`` (local or remote), None if there is none."""
    if is_local(url):
        return sha256_file(url) if os.path.isfile(url) else None
    fs, path = open_fs(url)
    if not fs.isfile(path):
        return None
    digest = hashlib.sha256()
    with fs.open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def local_copy(url: str | None, folder: Path) -> Iterator[Path | None]:
    """A local file holding what is at ``url``: the file itself when it is local, else a
    copy in ``folder`` (deleted afterwards). None gives None."""
    if url is None or is_local(url):
        yield None if url is None else Path(url)
        return
    fs, path = open_fs(url)
    copy = folder / f"{secrets.token_hex(4)}-{name_of(url)}"
    try:
        fs.get_file(path, str(copy))
    except FileNotFoundError:
        raise InputError(f"{url}: no such file") from None
    try:
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def publish(local: Path, url: str) -> None:
    """Upload the finished local file ``local`` to the remote ``url``: to a temporary
    name beside it first, then moved over it. A local ``url`` is left alone (it was
    written in place)."""
    if is_local(url):
        return
    fs, path = open_fs(url)
    parent, name = path.rsplit("/", 1) if "/" in path else ("", path)
    part = f"{parent}/.{name}.{secrets.token_hex(4)}.part" if parent else f".{name}.part"
    fs.put_file(str(local), part)
    try:
        fs.mv(part, path)
    except BaseException:
        fs.rm(part)
        raise


def make_folder(url: str) -> None:
    """Create the folder ``url`` (and its parents) if it is missing."""
    if is_local(url):
        os.makedirs(url, exist_ok=True)
        return
    fs, path = open_fs(url)
    fs.makedirs(path, exist_ok=True)
