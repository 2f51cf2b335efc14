"""Export a ``retouch train pairs`` run to ONNX with its weights record, and run the
export on photos of any size (tiles with overlap, onnxruntime; no torch).

The exported graph takes ``image``: ``B x 3 x H x W`` float32 RGB in [0, 1] (any H, W)
and returns ``output`` of the same shape, clamped to [0, 1]. The record beside it
(same name, ``.json``) is a ``core.weights.WeightsRecord``.

>>> out = apply("model.onnx", photo, tile=256, overlap=32)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from retouch.core.errors import InputError

__all__ = ["apply", "export_pairs", "is_pairs_run"]

OPSET = 17


def is_pairs_run(run: str | Path) -> bool:
    """Whether ``run`` is the folder of a ``retouch train pairs`` run (its meta.json)."""
    meta = Path(run) / "meta.json"
    return meta.is_file() and json.loads(meta.read_text()).get("kind") == "pairs"


def export_pairs(
    run: str | Path, output: str | Path, *, checkpoint: str = "best", data_note: str = ""
) -> dict:
    """Write ``output`` (.onnx) and its weights record (``.json``) from ``run``'s
    checkpoint; returns the record, with ``onnx_vs_torch_max_abs`` (a check on a random
    input) among its fields. Raises InputError for a missing checkpoint."""
    import torch

    from retouch.core.weights import WeightsRecord
    from retouch.train.generator import for_export
    from retouch.train.pairs_train import load_generator

    run, output = Path(run), Path(output)
    path = run / f"{checkpoint}.pt"
    if not path.is_file():
        raise InputError(f"{path}: no such checkpoint (train first: retouch train pairs ...)")
    net, ckpt = load_generator(path)
    graph = for_export(net)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    axes = {0: "batch", 2: "height", 3: "width"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter: torch.export needs onnxscript
        torch.onnx.export(
            graph,
            (torch.rand(1, 3, 64, 96),),
            str(tmp),
            input_names=["image"],
            output_names=["output"],
            dynamic_axes={"image": axes, "output": axes},
            opset_version=OPSET,
            dynamo=False,
        )
    os.replace(tmp, output)
    record = _record(output, ckpt, run, data_note)
    record["onnx_vs_torch_max_abs"] = _check(graph, output)
    record = WeightsRecord.from_dict(record).to_dict()
    output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def _record(output: Path, ckpt: dict, run: Path, data_note: str) -> dict[str, Any]:
    recipe = ckpt["recipe"]
    meta = json.loads((run / "meta.json").read_text()) if (run / "meta.json").is_file() else {}
    commit = meta.get("git_commit", "unknown")
    return {
        "name": output.stem,
        "file": output.name,
        "sha256": hashlib.sha256(output.read_bytes()).hexdigest(),
        "input_size": None,
        "normalisation": "RGB in [0, 1], mapped to [-1, 1] inside the graph",
        "licence": "weights: ours (Apache-2.0, as the code), learned from "
        f"{recipe['inputs']} -> {recipe['targets']}, whose terms apply",
        "source": f"trained by retouch train pairs: recipe {recipe['name']} on "
        f"{recipe['inputs']} -> {recipe['targets']} (data fingerprint "
        f"{ckpt['data_fingerprint'][:12]}...), git {commit[:7]}",
        "command": f"retouch train pairs --inputs {recipe['inputs']} --targets "
        f"{recipe['targets']} --recipe {run}/recipe.yaml --run RUN && "
        f"retouch train export RUN -o {output.name}",
        "bytes": output.stat().st_size,
        "arch": "sa_unet",
        "generator": ckpt["generator"],
        "input": "image: B x 3 x H x W float32 RGB in [0, 1], any H and W",
        "output": "output: B x 3 x H x W float32 RGB in [0, 1]",
        "opset": OPSET,
        "epoch": ckpt["epoch"],
        "metrics": ckpt["metrics"],
        "features_used": ckpt.get("features_used"),
        "recipe": recipe,
        "git_commit": commit,
        "data_fingerprint": ckpt["data_fingerprint"],
        "training_data": data_note,
    }


def _check(graph, onnx_path: Path) -> float:
    import onnxruntime as ort
    import torch

    x = torch.rand(1, 3, 37, 53, generator=torch.Generator().manual_seed(0))  # odd sizes
    with torch.no_grad():
        ref = graph(x).numpy()
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    return float(np.abs(sess.run(None, {"image": x.numpy()})[0] - ref).max())


def _starts(n: int, tile: int, step: int) -> list[int]:
    if n <= tile:
        return [0]
    starts = list(range(0, n - tile, step))
    return [*starts, n - tile]


def _ramp(n: int, overlap: int) -> np.ndarray:
    """Blend weights along one side of a tile: rising over ``overlap`` pixels at each
    end (never 0, so an image border covered by one tile keeps its pixels)."""
    i = np.arange(n, dtype=np.float32)
    edge = np.minimum(i + 1, n - i) / (overlap + 1)
    return np.clip(edge, 1e-3, 1.0)


def apply(
    model: str | Path | Any, image: np.ndarray, *, tile: int = 256, overlap: int = 32
) -> np.ndarray:
    """Run an exported pairs model on ``image`` (``H x W x 3`` uint8 RGB, any size) in
    ``tile x tile`` crops that overlap by ``overlap`` pixels and are blended with linear
    ramps; returns ``H x W x 3`` uint8 RGB. ``model``: an .onnx path or an
    ``onnxruntime.InferenceSession``."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InputError(f"expected an H x W x 3 uint8 RGB image, got {image.shape} {image.dtype}")
    if tile < 16 or not 0 <= overlap < tile // 2:
        raise InputError(f"tile must be >= 16 and overlap in [0, tile / 2), got {tile}, {overlap}")
    if isinstance(model, (str, Path)):
        import onnxruntime as ort

        if not Path(model).is_file():
            raise InputError(f"{model}: no such model file")
        model = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    h, w = image.shape[:2]
    x = image.astype(np.float32).transpose(2, 0, 1)[None] / 255
    acc = np.zeros((3, h, w), np.float32)
    weight = np.zeros((1, h, w), np.float32)
    for top in _starts(h, tile, tile - overlap):
        for left in _starts(w, tile, tile - overlap):
            crop = x[:, :, top : top + tile, left : left + tile]
            out = model.run(None, {"image": np.ascontiguousarray(crop)})[0][0]
            th, tw = out.shape[1:]
            wt = _ramp(th, overlap)[:, None] * _ramp(tw, overlap)[None]
            acc[:, top : top + th, left : left + tw] += out * wt
            weight[:, top : top + th, left : left + tw] += wt
    result = acc / weight
    return np.clip(result.transpose(1, 2, 0) * 255 + 0.5, 0, 255).astype(np.uint8)
