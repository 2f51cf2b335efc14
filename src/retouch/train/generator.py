"""A self-attention U-Net generator for image-to-image training (the ``pairs`` trainer,
shared with the tattoo ``generator``).

The shape follows the generators of SAGAN (Zhang et al. 2019) and of the
"feature loss, no GAN" U-Nets that ArtLine and DeOldify train: spectral normalisation
(Miyato et al. 2018) on the convolutions, a SAGAN self-attention block at the lowest
resolution, pixel-shuffle upsampling (Shi et al. 2016) in the decoder, and a residual
output (the network predicts a correction that is added to its input). The last 1x1
convolution has no spectral normalisation, so the correction's scale is free.
Batch norm (not instance or group norm) keeps inference a fixed function of each
pixel's neighbourhood, so tiles of a large photo join without seams.

``forward`` takes ``B x 3 x H x W`` float RGB in [0, 1], any H and W (padded inside to
a multiple of ``2 ** depth``), and returns ``B x 3 x H x W`` (not clamped; exports clamp
to [0, 1]).

>>> import torch
>>> net = build_generator(width=8, depth=2)
>>> tuple(net(torch.rand(1, 3, 30, 44)).shape)
(1, 3, 30, 44)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

__all__ = [
    "GeneratorConfig",
    "SelfAttention",
    "UNetGenerator",
    "bake",
    "build_generator",
    "for_export",
]


@dataclass(frozen=True)
class GeneratorConfig:
    """``width``: channels at full resolution, doubled at each of ``depth`` downsamplings
    up to ``max_width``; ``attention``: a self-attention block at the lowest resolution."""

    width: int = 32
    depth: int = 4
    max_width: int = 256
    attention: bool = True

    def __post_init__(self) -> None:
        if self.width < 4 or not 1 <= self.depth <= 6 or self.max_width < self.width:
            raise ValueError(
                f"generator needs width >= 4, depth 1-6, max_width >= width; got {asdict(self)}"
            )

    def channels(self, level: int) -> int:
        return min(self.width * 2**level, self.max_width)


def _conv(cin: int, cout: int, k: int = 3, stride: int = 1) -> nn.Sequential:
    """Spectrally normalised convolution, batch norm, ReLU."""
    conv = nn.Conv2d(cin, cout, k, stride, padding=k // 2, bias=False, padding_mode="replicate")
    return nn.Sequential(spectral_norm(conv), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SelfAttention(nn.Module):
    """SAGAN self-attention: every position attends to all others (query and key in
    ``C / 8`` channels); the result is added back scaled by ``gamma``, which starts at 0
    so the block begins as the identity."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        inner = max(channels // 8, 1)
        self.query = spectral_norm(nn.Conv2d(channels, inner, 1, bias=False))
        self.key = spectral_norm(nn.Conv2d(channels, inner, 1, bias=False))
        self.value = spectral_norm(nn.Conv2d(channels, channels, 1, bias=False))
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.query(x).flatten(2)  # B x C' x N
        k = self.key(x).flatten(2)
        v = self.value(x).flatten(2)  # B x C x N
        attn = torch.softmax(q.transpose(1, 2) @ k, dim=-1)  # B x N (query) x N (key)
        out = (v @ attn.transpose(1, 2)).reshape_as(x)
        return x + self.gamma * out


class _Up(nn.Module):
    """Pixel-shuffle upsampling by 2 (a 1x1 convolution to 4x the channels, then
    shuffle), the skip concatenated, a 3x3 convolution."""

    def __init__(self, cin: int, skip: int, cout: int) -> None:
        super().__init__()
        self.expand = _conv(cin, cout * 4, k=1)
        self.shuffle = nn.PixelShuffle(2)
        self.merge = _conv(cout + skip, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.merge(torch.cat([self.shuffle(self.expand(x)), skip], 1))


class UNetGenerator(nn.Module):
    """The generator; see the module docstring for the input and output contract."""

    def __init__(self, config: GeneratorConfig) -> None:
        super().__init__()
        self.config = config
        c = config.channels
        self.stem = nn.Sequential(_conv(3, c(0)), _conv(c(0), c(0)))
        self.down = nn.ModuleList(
            nn.Sequential(_conv(c(i), c(i + 1), stride=2), _conv(c(i + 1), c(i + 1)))
            for i in range(config.depth)
        )
        deepest = c(config.depth)
        self.attention = SelfAttention(deepest) if config.attention else nn.Identity()
        self.up = nn.ModuleList(_Up(c(i + 1), c(i), c(i)) for i in reversed(range(config.depth)))
        self.head = nn.Conv2d(c(0) + 3, 3, 3, padding=1, padding_mode="replicate")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2], x.shape[3]
        m = 2**self.config.depth
        padded = F.pad(x, (0, (m - w % m) % m, 0, (m - h % m) % m), mode="replicate")
        d = self.stem(padded * 2 - 1)
        skips = [d]
        for down in self.down:
            d = down(d)
            skips.append(d)
        d = self.attention(d)
        for up, skip in zip(self.up, skips[-2::-1], strict=True):
            d = up(d, skip)
        out = padded + self.head(torch.cat([d, padded * 2 - 1], 1))
        return out[:, :, :h, :w]


def build_generator(**config) -> UNetGenerator:
    """A fresh generator; keyword arguments are ``GeneratorConfig`` fields."""
    return UNetGenerator(GeneratorConfig(**config))


def bake(net: nn.Module) -> nn.Module:
    """``net`` with its spectral normalisation folded into plain weights (in place; eval
    mode): the form that exports to ONNX. Outputs are unchanged in eval mode."""
    net.eval()
    for module in net.modules():
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    return net


class _Clamped(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).clamp(0, 1)


def for_export(net: UNetGenerator) -> nn.Module:
    """``net`` baked (``bake``, in place) with its output clamped to [0, 1]; eval mode."""
    return _Clamped(bake(net)).eval()
