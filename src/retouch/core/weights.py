"""One record per model file, one resolver, one folder variable, one missing-weights error.

Every file a model loads (MediaPipe's .tflite files, the skin colour table, our ONNX
networks) is described by a :class:`WeightsRecord`, as timm describes its weights with
a ``PretrainedCfg``: file, sha256, where it comes from, the command that provides it,
licence, input size and normalisation. The module that uses a file registers its record
(plain data: nothing is read but a small JSON record, nothing is hashed at import)::

    from retouch.core.weights import weights_path
    path = weights_path("u2netp_skin")      # found, checked against its sha256 once

Where a file is looked for, in order:

1. ``$RETOUCH_MODEL_DIR/<file>``: the one variable that relocates model files, by
   file name (``selfie_segmentation.tflite``, ``u2netp_skin.onnx``, ...);
2. the variable that came before it for this kind of file (deprecated, honoured for
   one release with a logged warning): ``$RETOUCH_MEDIAPIPE_DIR`` (a folder laid out as
   the mediapipe package), ``$RETOUCH_NET_DIR`` (a folder of .onnx files),
   ``$RETOUCH_SKIN_TABLE`` (the table file itself). When set it is the only place
   looked in after step 1, as before;
3. the installed package that ships it (``record.package``, ``record.package_path``).

A file with a record of its own beside it (``<stem>.json``, as ``retouch train export``
and ``retouch train skin-colour`` write) is checked against that record, so a network
you trained yourself can be dropped into ``$RETOUCH_MODEL_DIR`` with its record.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from retouch.core.errors import InputError, RetouchError

__all__ = [
    "MODEL_DIR_ENV",
    "MissingModelError",
    "WeightsMismatchError",
    "WeightsRecord",
    "file_sha256",
    "find_weights",
    "install_path",
    "list_weights",
    "record_beside",
    "register_weights",
    "resolve",
    "status",
    "verify",
    "weights_path",
    "weights_record",
]

log = logging.getLogger(__name__)

MODEL_DIR_ENV = "RETOUCH_MODEL_DIR"
Status = Literal["installed", "missing", "sha256 mismatch"]

# The modules that register weights records, imported on the first lookup by name so
# that this layer never imports the ones above it (as core.registry's TASK_MODULES).
WEIGHTS_MODULES: tuple[str, ...] = (
    "retouch.segment.models",
    "retouch.segment.skin.bayes",
    "retouch.segment.skin.network",
    "retouch.segment.skin.effnet",
    "retouch.lineart.hed",
    "retouch.inpaint.refine",
    "retouch.inpaint.learned",
)


class MissingModelError(RetouchError):
    """A model file (or the package that ships it) is not installed; the message names
    the command that provides it."""


class WeightsMismatchError(MissingModelError):
    """A model file is there but its sha256 is not its record's (damaged, or another version)."""


@dataclass(frozen=True)
class WeightsRecord:
    """One model file. Stored as JSON (``to_dict``) beside the files retouch makes.

    ``input_size`` is the (H, W) the network sees, or None where any size goes (our fully
    convolutional networks) or the file is not a network (the colour table). ``package``
    and ``package_path``: the installed package that ships the file and its path inside
    that package's folder ("" for a file only found in ``$RETOUCH_MODEL_DIR``). ``extra``
    keeps every other field of a JSON record (recipe, data fingerprint, long side, ...).
    """

    name: str
    file: str
    sha256: str
    source: str
    command: str
    licence: str
    input_size: tuple[int, int] | None
    normalisation: str
    package: str = ""
    package_path: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any], **overrides: Any) -> WeightsRecord:
        """A record from its JSON form; unknown keys go to ``extra``. ``name`` defaults to
        the file's stem. Raises InputError naming the fields that are missing."""
        data = {**data, **overrides}
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        data.setdefault("name", Path(str(data.get("file", ""))).stem)
        data.setdefault("package", "")
        data.setdefault("package_path", "")
        absent = sorted(n for n in names if n not in data)
        if absent:
            raise InputError(f"weights record {data['name']!r} lacks {', '.join(absent)}")
        size = data["input_size"]
        core = {n: data[n] for n in names} | {"input_size": tuple(size) if size else None}
        return cls(**core, extra={k: v for k, v in data.items() if k not in names})

    @classmethod
    def from_json(cls, path: str | Path, **overrides: Any) -> WeightsRecord:
        """The record stored in ``path`` (.json), with ``overrides`` (e.g. ``package``)."""
        return cls.from_dict(json.loads(Path(path).read_text()), **overrides)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the record's fields (``package`` ones only when set), then ``extra``."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out.pop("extra")
        out["input_size"] = list(self.input_size) if self.input_size else None
        for key in ("package", "package_path"):
            if not out[key]:
                del out[key]
        return {**out, **self.extra}


_lock = threading.Lock()
_records: dict[str, WeightsRecord] = {}
_digests: dict[str, tuple[tuple[int, int], str]] = {}
_warned: set[str] = set()
_loaded = False


def register_weights(record: WeightsRecord) -> WeightsRecord:
    """Add ``record`` to the registry (again with the same fields is a no-op)."""
    with _lock:
        known = _records.get(record.name)
        if known is not None and known != record:
            raise RuntimeError(f"weights {record.name!r} are registered twice, differently")
        _records[record.name] = record
    return record


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in WEIGHTS_MODULES:
            importlib.import_module(module)
        _loaded = True


def list_weights() -> list[WeightsRecord]:
    """Every registered record, sorted by name."""
    _load_all()
    return sorted(_records.values(), key=lambda r: r.name)


def weights_record(name: str) -> WeightsRecord:
    """The registered record ``name``; InputError listing the known names if there is none."""
    if name not in _records:
        _load_all()
    if name not in _records:
        known = ", ".join(sorted(_records))
        raise InputError(f"unknown weights {name!r}; known weights: {known}")
    return _records[name]


def _package_dir(package: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


# Deprecated: the three variables that came before RETOUCH_MODEL_DIR (remove in 0.3).
# Each: the variable, which records it covers, and where it puts their file.
_Legacy = tuple[str, Callable[[WeightsRecord], bool], Callable[[str, WeightsRecord], Path]]
_LEGACY: tuple[_Legacy, ...] = (
    (
        "RETOUCH_MEDIAPIPE_DIR",
        lambda r: r.package == "mediapipe",
        lambda v, r: Path(v) / r.package_path,
    ),
    ("RETOUCH_NET_DIR", lambda r: r.file.endswith(".onnx"), lambda v, r: Path(v) / r.file),
    ("RETOUCH_SKIN_TABLE", lambda r: r.name == "skin_colour_rgb32", lambda v, r: Path(v)),
)


def _legacy(record: WeightsRecord) -> Path | None:
    for var, applies, where in _LEGACY:
        value = os.environ.get(var)
        if value and applies(record):
            if var not in _warned:
                _warned.add(var)
                log.warning("$%s is deprecated: put the files in $%s instead", var, MODEL_DIR_ENV)
            return where(value, record)
    return None


def _candidates(record: WeightsRecord) -> list[Path]:
    """Where ``record``'s file is looked for, in order (see the module docstring)."""
    places = []
    folder = os.environ.get(MODEL_DIR_ENV)
    if folder:
        places.append(Path(folder) / record.file)
    legacy = _legacy(record)
    if legacy is not None:
        return [*places, legacy]
    home = _package_dir(record.package) if record.package else None
    if home is not None:
        places.append(home / record.package_path)
    return places


def find_weights(name: str) -> Path | None:
    """The first place that holds the file of weights ``name``, unchecked; None if none."""
    return next((p for p in _candidates(weights_record(name)) if p.is_file()), None)


def install_path(name: str) -> Path:
    """Where a new copy of weights ``name`` goes: ``$RETOUCH_MODEL_DIR``, the deprecated
    variable, or the package's own copy, the first that applies."""
    places = _candidates(weights_record(name))
    if not places:
        raise MissingModelError(f"nowhere to put {name}: set ${MODEL_DIR_ENV} to a folder")
    return places[0]


def _missing(record: WeightsRecord) -> MissingModelError:
    looked = ", ".join(map(str, _candidates(record))) or "nowhere"
    if record.package and _package_dir(record.package) is None:
        looked += f"; the package {record.package} is not installed"
    return MissingModelError(
        f"{record.name} ({record.file}) is not installed (looked in: {looked}); it comes "
        f"from {record.source}; provide it with: {record.command} "
        f"(or put the file in ${MODEL_DIR_ENV})"
    )


def file_sha256(path: Path) -> str:
    """sha256 of ``path``, computed once per process per file (again if it changes)."""
    stat = path.stat()
    key, sig = str(path.resolve()), (stat.st_size, stat.st_mtime_ns)
    with _lock:
        hit = _digests.get(key)
    if hit is not None and hit[0] == sig:
        return hit[1]
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    with _lock:
        _digests[key] = (sig, digest.hexdigest())
    return _digests[key][1]


def record_beside(path: Path, base: WeightsRecord | None = None) -> WeightsRecord | None:
    """The record stored beside ``path`` (``<stem>.json`` naming this file), if any.

    Fields it lacks come from ``base``; it keeps ``base``'s name and package."""
    meta = path.with_suffix(".json")
    if not meta.is_file():
        return None
    try:
        data = json.loads(meta.read_text())
    except (OSError, ValueError) as exc:
        log.warning("%s: not a weights record (%s); ignored", meta, exc)
        return None
    if not isinstance(data, dict) or data.get("file") != path.name or "sha256" not in data:
        return None
    if base is None:
        return WeightsRecord.from_dict(data)
    fallback = {k: v for k, v in base.to_dict().items() if k not in base.extra}
    keep = {"name": base.name, "package": base.package, "package_path": base.package_path}
    return WeightsRecord.from_dict({**fallback, **data, **keep})


def verify(path: Path, record: WeightsRecord) -> Path:
    """``path`` if its sha256 is ``record``'s, else WeightsMismatchError naming the command."""
    digest = file_sha256(path)
    if digest != record.sha256:
        raise WeightsMismatchError(
            f"{path}: sha256 {digest[:12]}... is not the {record.sha256[:12]}... of "
            f"{record.name}'s record (a damaged file or another version); provide it again "
            f"with: {record.command}"
        )
    return path


def resolve(name: str) -> tuple[Path, WeightsRecord]:
    """(path, record) of weights ``name``: found, then checked against the record it
    carries beside it or else the registered one. Raises MissingModelError."""
    record = weights_record(name)
    path = find_weights(name)
    if path is None:
        raise _missing(record)
    record = record_beside(path, record) or record
    return verify(path, record), record


def weights_path(name: str) -> Path:
    """Path of weights ``name``, checked against its sha256 (see :func:`resolve`)."""
    return resolve(name)[0]


def status(name: str) -> Status:
    """``"installed"``, ``"missing"`` or ``"sha256 mismatch"`` for weights ``name``."""
    try:
        resolve(name)
    except WeightsMismatchError:
        return "sha256 mismatch"
    except MissingModelError:
        return "missing"
    return "installed"
