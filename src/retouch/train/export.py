"""Export a trained run to ONNX with its weights record (STYLE: weights are data).

The exported graph is ``SkinNet``: float RGB in [0, 1] (``B x 3 x H x W``, any H and W),
normalised inside, fused P(skin) out (``B x 1 x H x W``). The record next to it (same
name, ``.json``) is a ``core.weights.WeightsRecord`` (name, file, sha256, source, the
command that remakes it, licence, input size, normalisation) with the input contract,
recipe, data fingerprint and selection score as further fields; the model card (``.md``)
is written by hand from it. Put both files in ``$RETOUCH_MODEL_DIR`` to use the export.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch

from retouch.core.weights import WeightsRecord
from retouch.train.loop import load_checkpoint
from retouch.train.u2net import count_parameters

__all__ = ["check_onnx", "export_onnx", "source_note"]

OPSET = 17


def export_onnx(
    run: str | Path,
    output: str | Path,
    *,
    checkpoint: str = "best",
    data_note: str = "",
    licence: str = "",
    threshold: float = 0.5,
) -> dict:
    """Write ``output`` (.onnx) and ``output`` with ``.json`` (its weights record, loadable
    with ``WeightsRecord.from_json``); returns the record as written.

    ``licence`` defaults to: ours like the code, under the training data's terms.
    ``threshold``: the cut of the probability the record gives its users (chosen on
    validation data). The graph's output is named after the recipe's task (``skin``,
    ``tattoo``)."""
    run, output = Path(run), Path(output)
    path = run / f"{checkpoint}.pt"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint (train first: retouch train run ...)")
    model, ckpt = load_checkpoint(path)
    task = ckpt["recipe"].get("task") or "skin"
    meta = json.loads((run / "meta.json").read_text()) if (run / "meta.json").is_file() else {}
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    dummy = torch.rand(1, 3, 96, 128)
    axes = {0: "batch", 2: "height", 3: "width"}
    with warnings.catch_warnings():
        # The TorchScript exporter on purpose: the torch.export one needs onnxscript.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model,
            (dummy,),
            str(tmp),
            input_names=["image"],
            output_names=[task],
            dynamic_axes={"image": axes, task: axes},
            opset_version=OPSET,
            dynamo=False,
        )
    os.replace(tmp, output)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    recipe = ckpt["recipe"]
    record = {
        "name": output.stem,
        "file": output.name,
        "sha256": digest,
        "input_size": None,  # any H and W
        "normalisation": _normalisation(model),
        "licence": licence
        or f"weights: ours (Apache-2.0, as the code), learned from {_data_text(recipe)}, "
        "whose terms apply",
        "bytes": output.stat().st_size,
        "arch": ckpt["arch"],
        "parameters": count_parameters(model),
        "input": "image: B x 3 x H x W float32 RGB in [0, 1], any H and W",
        "output": f"{task}: B x 1 x H x W float32 P({task}) in [0, 1]",
        "long_side": recipe["eval_size"],
        "threshold": threshold,
        "opset": OPSET,
        "checkpoint": checkpoint,
        "epoch": ckpt["epoch"],
        "selection_miou": ckpt["metrics"]["selection_miou"],
        "recipe": recipe,
        "git_commit": meta.get("git_commit", "unknown"),
        "data_fingerprint": ckpt["data_fingerprint"],
        "training_data": data_note,
    }
    if recipe.get("init"):
        # A fine-tune: say what it started from, back to the first run of the chain
        # (the command needs those runs first).
        record["init"] = _init_note(recipe["init"], meta.get("init_sha256"))
    record["source"] = source_note(record)
    record["command"] = _command(recipe["name"], record.get("init"), output.name)
    if threshold != 0.5:
        record["command"] += f" --threshold {threshold:g}"
    record = WeightsRecord.from_dict(record).to_dict()  # one schema: the record's fields first
    output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def _normalisation(model: torch.nn.Module) -> str:
    """The input normalisation inside the exported graph, in words."""
    mean = [round(float(v), 4) for v in model.mean.flatten()]
    std = [round(float(v), 4) for v in model.std.flatten()]
    if (mean, std) == ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]):
        return "ImageNet mean/std, inside the graph"
    return f"(x - {mean}) / {std} on RGB in [0, 1], inside the graph"


def _data_text(recipe: dict) -> str:
    """The recipe's training folders in words: ``a``, or ``a, b and negatives from c``."""
    data = recipe.get("train_data")
    text = ", ".join(map(str, data)) if isinstance(data, (list, tuple)) else str(data)
    negatives = recipe.get("negative_data") or ()
    return text + (f" and negatives from {', '.join(map(str, negatives))}" if negatives else "")


def source_note(record: dict) -> str:
    """Where an exported network comes from, in words: its recipe (and the runs it was
    fine-tuned from), training data, data fingerprint and commit."""
    recipe, init, chain = record["recipe"], record.get("init"), []
    while init:
        chain.append(init["recipe"])
        init = init.get("init")
    started = f", fine-tuned from {' <- '.join(chain)}" if chain else ""
    commit = record["git_commit"]
    commit = commit[:7] + ("-dirty" if commit.endswith("-dirty") else "")
    return (
        f"trained by retouch: recipe {recipe['name']}{started}, on {_data_text(recipe)} "
        f"(data fingerprint {record['data_fingerprint'][:12]}...), git {commit}"
    )


def _init_note(path: str, sha256: str | None, depth: int = 0) -> dict:
    """Where a fine-tuned run started: the checkpoint's path, sha256, recipe and epoch,
    and (nested, as ``init``) where that run started, if it was a fine-tune too. The
    fields are read only from a file whose sha256 is the one the run recorded: a
    checkpoint overwritten since then would describe another network."""
    note = {"checkpoint": path, "sha256": sha256, "recipe": "BASE_RECIPE"}
    file = Path(path)
    if not file.is_file():
        note["found"] = "no: the file is gone"
        return note
    blob = file.read_bytes()
    if sha256 and hashlib.sha256(blob).hexdigest() != sha256:
        note["found"] = "no: the file has changed since the run started from it"
        return note
    base = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=False)
    note.update(
        recipe=base["recipe"]["name"],
        epoch=base["epoch"],
        selection_miou=base["metrics"]["selection_miou"],
    )
    parent = base["recipe"].get("init")
    if parent and depth < 8:  # a longer chain is a loop of files, not a recipe
        meta = file.parent / "meta.json"
        parent_sha = json.loads(meta.read_text()).get("init_sha256") if meta.is_file() else None
        note["init"] = _init_note(parent, parent_sha, depth + 1)
    return note


def _command(name: str, init: dict | None, output: str) -> str:
    """The commands that remake the exported run: each run of its chain from the first
    (``init`` notes, innermost first), each started from the best checkpoint of the one
    before, then the export."""
    chain = [name]
    while init:
        chain.append(init["recipe"])
        init = init.get("init")
    chain.reverse()
    runs = [f"RUN{i + 1}" for i in range(len(chain) - 1)] + ["RUN"]
    steps = [f"retouch train run {chain[0]} --run {runs[0]}"] + [
        f"retouch train run {r} --run {run} -O init={before}/best.pt"
        for r, run, before in zip(chain[1:], runs[1:], runs[:-1], strict=True)
    ]
    return " && ".join([*steps, f"retouch train export RUN -o {output}"])


def check_onnx(run_model: torch.nn.Module, onnx_path: str | Path, shape=(1, 3, 80, 112)) -> float:
    """Largest absolute difference between torch and onnxruntime on a random input."""
    import onnxruntime as ort

    x = torch.rand(*shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = run_model.eval()(x).numpy()
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"image": x.numpy()})[0]
    return float(np.abs(out - ref).max())
