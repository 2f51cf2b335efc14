"""Inpainting networks trained by ``retouch train inpaint``, sized for CPU.

- ``pconv``: the partial-convolution U-Net of Liu et al. 2018 ("Image Inpainting for
  Irregular Holes Using Partial Convolutions"), scaled down: 6 encoder levels (32 to
  256 channels, kernels 7, 5, 5, 3, 3, 3, stride 2), a decoder of nearest upsampling,
  skip concatenation and 3x3 partial convolutions. Each partial convolution sees only
  known pixels, renormalises by ``sum(1) / sum(M)`` over its window and passes on the
  updated mask (1 where its window held any known pixel), so holes shrink layer by layer.
- ``maskunet``: the baseline encoder-decoder of the "Vanisher" seed, the hole mask as a
  fourth input channel and plain convolutions, the same layout and widths.

Both take ``x``, ``B x 3 x H x W`` RGB in [0, 1] with the holes zeroed, and ``known``,
``B x 1 x H x W`` (1 = known pixel, 0 = hole), and return RGB in [0, 1]; sides that are
not multiples of 64 are padded inside ``forward`` (the hole grows over the pad).

>>> import torch
>>> net = build_inpaint_net("pconv", width=8)
>>> tuple(net(torch.zeros(1, 3, 70, 33), torch.ones(1, 1, 70, 33)).shape)
(1, 3, 70, 33)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["NETS", "MaskUNet", "PConvUNet", "PartialConv2d", "build_inpaint_net"]

from retouch.train.inpaint_recipe import KERNELS, MULTIPLE, NETS


def _widths(width: int) -> list[int]:
    return [width * m for m in (1, 2, 4, 8, 8, 8)]


class PartialConv2d(nn.Conv2d):
    """A convolution over known pixels only (Liu et al. 2018, eq. 1-2).

    ``forward(x, known)`` with ``known`` ``B x 1 x H x W`` in {0, 1} returns
    ``(y, known')``: ``y = W^T (x * M) * sum(1) / sum(M) + b`` where the window holds a
    known pixel, 0 where it holds none, and ``known'`` = 1 exactly where it held one.
    """

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1) -> None:
        super().__init__(cin, cout, k, stride=stride, padding=k // 2, bias=True)
        self.register_buffer("ones", torch.ones(1, 1, k, k), persistent=False)

    def forward(self, x: torch.Tensor, known: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            count = F.conv2d(known, self.ones, stride=self.stride, padding=self.padding)
            new = (count > 0).to(x.dtype)
            ratio = self.ones.numel() / count.clamp(min=1.0) * new
        raw = F.conv2d(x * known, self.weight, None, self.stride, self.padding)
        return (raw * ratio + self.bias.view(1, -1, 1, 1)) * new, new


class _PBlock(nn.Module):
    def __init__(self, cin: int, cout: int, k: int, stride: int, bn: bool, act: nn.Module):
        super().__init__()
        self.conv = PartialConv2d(cin, cout, k, stride)
        self.bn = nn.BatchNorm2d(cout) if bn else nn.Identity()
        self.act = act

    def forward(self, x, known):
        y, known = self.conv(x, known)
        return self.act(self.bn(y)), known


def _up(t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(t, size=like.shape[2:], mode="nearest")


def _pad(x: torch.Tensor, known: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int, int]:
    h, w = x.shape[2], x.shape[3]
    ph, pw = (-h) % MULTIPLE, (-w) % MULTIPLE
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph))
        known = F.pad(known, (0, pw, 0, ph))
    return x, known, h, w


class PConvUNet(nn.Module):
    """The partial-convolution U-Net; ``width`` channels at the first level."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        ws = _widths(width)
        relu, leaky = nn.ReLU(), nn.LeakyReLU(0.2)
        cins = [3, *ws[:-1]]
        self.enc = nn.ModuleList(
            _PBlock(ci, co, k, 2, i > 0, relu)
            for i, (ci, co, k) in enumerate(zip(cins, ws, KERNELS, strict=True))
        )
        # decoder level i joins the upsampled deeper features with skip i (input at -1)
        skips = [3, *ws[:-1]]
        outs = [3, *ws[:-1]]
        self.dec = nn.ModuleList()
        deeper = ws[-1]
        for i in reversed(range(len(ws))):
            last = i == 0
            self.dec.append(
                _PBlock(
                    deeper + skips[i], outs[i], 3, 1, not last, nn.Identity() if last else leaky
                )
            )
            deeper = outs[i]

    def forward(self, x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        x, known, h, w = _pad(x, known)
        feats, masks = [x], [known]
        f, m = x, known
        for block in self.enc:
            f, m = block(f, m)
            feats.append(f)
            masks.append(m)
        for j, block in enumerate(self.dec):
            skip, skip_m = feats[-2 - j], masks[-2 - j]
            f = torch.cat([_up(f, skip), skip], 1)
            m = torch.max(_up(m, skip_m), skip_m)  # one mask channel for both halves
            f, m = block(f, m)
        return torch.sigmoid(f[:, :, :h, :w])


def _cbr(cin: int, cout: int, k: int, stride: int, bn: bool, act: nn.Module) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2)]
    return nn.Sequential(*layers, nn.BatchNorm2d(cout) if bn else nn.Identity(), act)


class MaskUNet(nn.Module):
    """The baseline: the same U-Net with plain convolutions, input ``[x, hole]``."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        ws = _widths(width)
        cins = [4, *ws[:-1]]
        self.enc = nn.ModuleList(
            _cbr(ci, co, k, 2, i > 0, nn.ReLU())
            for i, (ci, co, k) in enumerate(zip(cins, ws, KERNELS, strict=True))
        )
        skips, outs = [4, *ws[:-1]], [3, *ws[:-1]]
        self.dec = nn.ModuleList()
        deeper = ws[-1]
        for i in reversed(range(len(ws))):
            last = i == 0
            act = nn.Identity() if last else nn.LeakyReLU(0.2)
            self.dec.append(_cbr(deeper + skips[i], outs[i], 3, 1, not last, act))
            deeper = outs[i]

    def forward(self, x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        x, known, h, w = _pad(x, known)
        f = torch.cat([x * known, 1 - known], 1)
        feats = [f]
        for block in self.enc:
            f = block(f)
            feats.append(f)
        for j, block in enumerate(self.dec):
            skip = feats[-2 - j]
            f = block(torch.cat([_up(f, skip), skip], 1))
        return torch.sigmoid(f[:, :, :h, :w])


def build_inpaint_net(name: str, *, width: int = 32) -> nn.Module:
    """A fresh network by name (``NETS``); ``width`` channels at the first level."""
    if name not in NETS:
        raise ValueError(f"unknown inpaint network {name!r}; valid: {', '.join(NETS)}")
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    return (PConvUNet if name == "pconv" else MaskUNet)(width)
