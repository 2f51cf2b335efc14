"""The manifest of a batch: one JSON line per photo, appended as results arrive.

It lives in the output folder as ``retouch-manifest.jsonl``. Each line is written with
one ``write`` on a file opened for appending, then flushed to the disk (``fsync``), so
an interrupted run leaves every finished line whole; a line cut short by a crash is
ignored when the manifest is read. For a remote output the lines go to a local file
that is uploaded every few seconds and at the end (object stores cannot append).

A line (``Record``)::

    {"input": ".../a.jpg", "output": ".../a.jpg", "input_sha256": "...",
     "output_sha256": "...", "task": "inpaint", "method": "telea", "options": {...},
     "settings": {...}, "status": "ok", "error": "", "seconds": 0.41,
     "worker": "tcp://127.0.0.1:40123"}
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from retouch.core.errors import OutputError
from retouch.distributed import storage

__all__ = ["MANIFEST_NAME", "Manifest", "latest_records"]

MANIFEST_NAME = "retouch-manifest.jsonl"
_UPLOAD_EVERY_S = 10.0

log = logging.getLogger("retouch.distributed")


class Manifest:
    """The manifest of output folder ``output`` (a path or URL), open for appending.

    Use as a context manager; ``append`` writes one record and returns once it is on
    the disk.
    """

    def __init__(self, output: str):
        self.url = storage.join(output, MANIFEST_NAME)
        self.remote = not storage.is_local(output)
        self.path = self._local_path()
        self._uploaded = time.monotonic()
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write the manifest ({exc.strerror})") from None
        if not _ends_a_line(self.path):
            os.write(self._fd, b"\n")  # a line cut short by a crash stays apart

    def _local_path(self) -> Path:
        if not self.remote:
            return Path(self.url)
        folder = Path(tempfile.mkdtemp(prefix="retouch-manifest-"))
        path = folder / MANIFEST_NAME
        if storage.exists(self.url):
            fs, remote = storage.open_fs(self.url)
            fs.get_file(remote, str(path))
        return path

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line and flush it to the disk."""
        line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode())
        os.fsync(self._fd)
        if self.remote and time.monotonic() - self._uploaded > _UPLOAD_EVERY_S:
            self.upload()

    def upload(self) -> None:
        """Copy the local lines to the remote manifest (a remote output only)."""
        if self.remote:
            fs, remote = storage.open_fs(self.url)
            fs.put_file(str(self.path), remote)
            self._uploaded = time.monotonic()

    def close(self) -> None:
        """Flush, close and (remote output) upload; the local copy is kept if that fails."""
        if self._fd < 0:
            return
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1
        try:
            self.upload()
        except Exception:
            log.error("the manifest could not be uploaded to %s; it is in %s", self.url, self.path)
            raise

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ends_a_line(path: Path) -> bool:
    """True when the file is empty or its last byte is a newline."""
    with open(path, "rb") as f:
        if f.seek(0, os.SEEK_END) == 0:
            return True
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def read_records(output: str) -> list[dict[str, Any]]:
    """Every whole line of the manifest in ``output`` (none if there is no manifest).

    Parameters
    ----------
    output : the output folder, a path or URL.

    Returns
    -------
    The records in the order they were written; lines that do not parse are skipped.
    """
    url = storage.join(output, MANIFEST_NAME)
    if not storage.exists(url):
        return []
    if storage.is_local(url):
        text = Path(url).read_text(errors="replace")
    else:
        fs, path = storage.open_fs(url)
        text = fs.cat_file(path).decode(errors="replace")
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "input" in record:
            records.append(record)
    return records


def latest_records(output: str) -> dict[str, dict[str, Any]]:
    """The last record of each photo in the manifest of ``output``, keyed by the input's
    file name (so a moved input folder still matches; its sha256 decides)."""
    return {storage.name_of(r["input"]): r for r in read_records(output)}
