"""U^2-Net and U^2-NetP (Qin et al. 2020, "U^2-Net: Going deeper with nested U-structure
for salient object detection"), written from the paper's description.

Both variants come from one definition: a table of residual U-blocks (RSU) per stage.
``RSU-L`` is a small U-Net of depth L inside a residual block; ``RSU-4F`` replaces
pooling with dilated convolutions. Six encoder stages, five decoder stages, one side
output per decoder stage plus the deepest encoder stage, and a 1x1 fusion of the six.

The network returns logits (``B x 1 x H x W`` each, fused first), so losses can use
``binary_cross_entropy_with_logits`` (safe under mixed precision); ``SkinNet`` wraps a
model for export and inference and returns the fused probability only.

>>> import torch
>>> net = build_model("u2netp")
>>> [tuple(o.shape) for o in net(torch.zeros(1, 3, 64, 64))][:1]
[(1, 1, 64, 64)]
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ARCHITECTURES", "SkinNet", "U2Net", "build_model", "count_parameters"]

# Per stage: (RSU height, in channels, mid channels, out channels); height 4 with "F"
# (dilated, no pooling) is written as -4. Encoder stages 1-6, then decoder 5-1.
ARCHITECTURES: dict[str, dict[str, list[tuple[int, int, int, int]]]] = {
    "u2net": {
        "encoder": [
            (7, 3, 32, 64),
            (6, 64, 32, 128),
            (5, 128, 64, 256),
            (4, 256, 128, 512),
            (-4, 512, 256, 512),
            (-4, 512, 256, 512),
        ],
        "decoder": [
            (-4, 1024, 256, 512),
            (4, 1024, 128, 256),
            (5, 512, 64, 128),
            (6, 256, 32, 64),
            (7, 128, 16, 64),
        ],
    },
    "u2netp": {
        "encoder": [
            (7, 3, 16, 64),
            (6, 64, 16, 64),
            (5, 64, 16, 64),
            (4, 64, 16, 64),
            (-4, 64, 16, 64),
            (-4, 64, 16, 64),
        ],
        "decoder": [
            (-4, 128, 16, 64),
            (4, 128, 16, 64),
            (5, 128, 16, 64),
            (6, 128, 16, 64),
            (7, 128, 16, 64),
        ],
    },
}


class ConvBNReLU(nn.Sequential):
    """3x3 convolution (dilated by ``dilation``), batch norm, ReLU; keeps H x W."""

    def __init__(self, cin: int, cout: int, dilation: int = 1) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


def _up_to(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=ref.shape[2:], mode="bilinear", align_corners=False)


class RSU(nn.Module):
    """Residual U-block of height ``height``: a U-Net whose output is added to its input
    convolution. ``dilated=True`` is RSU-4F: dilations 1, 2, 4, 8 instead of pooling."""

    def __init__(self, height: int, cin: int, mid: int, cout: int, *, dilated: bool) -> None:
        super().__init__()
        self.dilated = dilated
        self.conv_in = ConvBNReLU(cin, cout)
        n = height - 1  # encoder convs before the bottom one
        dil = [2**i for i in range(n)] if dilated else [1] * n
        self.enc = nn.ModuleList(ConvBNReLU(cout if i == 0 else mid, mid, dil[i]) for i in range(n))
        self.bottom = ConvBNReLU(mid, mid, 2 * dil[-1] if dilated else 2)
        self.dec = nn.ModuleList(
            ConvBNReLU(2 * mid, cout if i == n - 1 else mid, dil[n - 1 - i]) for i in range(n)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hin = self.conv_in(x)
        skips, h = [], hin
        for i, conv in enumerate(self.enc):
            if i > 0 and not self.dilated:
                h = F.max_pool2d(h, 2, 2, ceil_mode=True)
            h = conv(h)
            skips.append(h)
        h = self.bottom(h)
        for conv, skip in zip(self.dec, reversed(skips), strict=True):
            if not self.dilated:
                h = _up_to(h, skip)
            h = conv(torch.cat([h, skip], 1))
        return h + hin


def _block(spec: tuple[int, int, int, int]) -> RSU:
    height, cin, mid, cout = spec
    return RSU(abs(height), cin, mid, cout, dilated=height < 0)


class U2Net(nn.Module):
    """The nested U-structure. ``forward`` returns 7 logit maps at input size: the fused
    output first, then the side outputs from the finest decoder stage to the deepest."""

    def __init__(self, arch: str = "u2netp", out_channels: int = 1) -> None:
        super().__init__()
        spec = ARCHITECTURES[arch]
        self.arch = arch
        self.encoder = nn.ModuleList(_block(s) for s in spec["encoder"])
        self.decoder = nn.ModuleList(_block(s) for s in spec["decoder"])
        side_in = [*[s[3] for s in spec["decoder"]][::-1], spec["encoder"][-1][3]]
        self.side = nn.ModuleList(nn.Conv2d(c, out_channels, 3, padding=1) for c in side_in)
        self.fuse = nn.Conv2d(len(side_in) * out_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats, h = [], x
        for i, stage in enumerate(self.encoder):
            if i > 0:
                h = F.max_pool2d(h, 2, 2, ceil_mode=True)
            h = stage(h)
            feats.append(h)
        dec = [feats[-1]]
        h = feats[-1]
        for stage, skip in zip(self.decoder, reversed(feats[:-1]), strict=True):
            h = stage(torch.cat([_up_to(h, skip), skip], 1))
            dec.append(h)
        # dec: deepest (encoder 6) ... finest (decoder 1); sides go finest first.
        sides = [_up_to(conv(f), x) for conv, f in zip(self.side, reversed(dec), strict=True)]
        return [self.fuse(torch.cat(sides, 1)), *sides]


class SkinNet(nn.Module):
    """Inference wrapper: float RGB in [0, 1] (``B x 3 x H x W``), normalised inside;
    returns the fused probability ``B x 1 x H x W`` in [0, 1]. This is what is exported."""

    MEAN = (0.485, 0.456, 0.406)
    STD = (0.229, 0.224, 0.225)

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net
        # A network may bring its own normalisation (the ImageNet encoders' checkpoints).
        mean, std = getattr(net, "input_mean", self.MEAN), getattr(net, "input_std", self.STD)
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net((x - self.mean) / self.std)[0])


def build_model(arch: str, *, pretrained: bool = False) -> nn.Module:
    """A freshly initialised network of architecture ``arch`` (``u2net``, ``u2netp``, or
    ``effnet_lite0`` from ``train.effnet``). ``pretrained``: start the encoder from its
    ImageNet weights (only networks with a pretrained encoder have them)."""
    from retouch.train.effnet import EFFNET_ARCHS, build_effnet

    if arch in EFFNET_ARCHS:
        return build_effnet(arch, pretrained=pretrained)
    if arch not in ARCHITECTURES:
        valid = ", ".join([*ARCHITECTURES, *EFFNET_ARCHS])
        raise ValueError(f"unknown architecture {arch!r}; valid: {valid}")
    if pretrained:
        raise ValueError(f"{arch} has no pretrained weights; pretrained: {', '.join(EFFNET_ARCHS)}")
    return U2Net(arch)


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
