"""One way to open a model file of ours with onnxruntime (the skin network, HED)."""

from __future__ import annotations

from retouch.core.weights import MissingModelError, WeightsRecord, resolve

__all__ = ["open_session"]


def open_session(name: str) -> tuple[object, WeightsRecord]:
    """(onnxruntime CPU session, weights record) of the weights ``name``, found and
    checked by ``core.weights.resolve``. Raises MissingModelError naming what provides
    the file, or the extra that installs onnxruntime. Not cached: callers keep one."""
    path, record = resolve(name)
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise MissingModelError(
            "onnxruntime is not installed: pip install -e '.[segment]'"
        ) from exc
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"]), record
