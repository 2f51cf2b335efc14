"""The refinement network: a small U-Net that corrects a PatchMatch fill inside the hole.

Input ``B x 4 x H x W``: the PatchMatch fill (RGB in [0, 1]) and the hole mask (1 = hole);
H and W multiples of :data:`MULTIPLE`. Output: ``fill + mask * residual``, so pixels outside
the hole are the fill's exactly, and the last layer starts at zero so that an untrained net
returns the fill unchanged. Four levels (``width`` x 1, 2, 4, 6 channels), a bottleneck of
dilated residual blocks (dilation 2, 4, 8) for context across the hole at 1/8 resolution.

>>> import torch
>>> net = RefineNet(width=8)
>>> x = torch.rand(1, 3, 32, 32); m = (torch.rand(1, 1, 32, 32) > 0.5).float()
>>> bool(torch.equal(net(torch.cat([x, m], 1)), x))
True
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MULTIPLE", "RefineNet", "build_refine"]

MULTIPLE = 8  # three stride-2 steps


def _conv(cin: int, cout: int, *, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    pad = dilation
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, pad, dilation=dilation), nn.LeakyReLU(0.2, inplace=True)
    )


class _Dilated(nn.Module):
    """Residual block of two 3x3 convolutions, the first dilated."""

    def __init__(self, c: int, dilation: int) -> None:
        super().__init__()
        self.a = _conv(c, c, dilation=dilation)
        self.b = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x + self.b(self.a(x)), 0.2)


class RefineNet(nn.Module):
    """See the module docstring. ``width``: channels of the full-resolution level."""

    def __init__(self, width: int = 24, dilations: tuple[int, ...] = (2, 4, 8)) -> None:
        super().__init__()
        c = [width, 2 * width, 4 * width, 6 * width]
        self.inc = nn.Sequential(_conv(4, c[0]), _conv(c[0], c[0]))
        self.down = nn.ModuleList(
            nn.Sequential(_conv(c[i], c[i + 1], stride=2), _conv(c[i + 1], c[i + 1]))
            for i in range(3)
        )
        self.mid = nn.Sequential(*(_Dilated(c[3], d) for d in dilations))
        self.up = nn.ModuleList(
            nn.Sequential(_conv(c[i + 1] + c[i], c[i]), _conv(c[i], c[i])) for i in range(3)
        )
        self.head = nn.Conv2d(c[0], 3, 3, 1, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The correction ``B x 3 x H x W`` (before the mask) for input ``x`` (B x 4 x H x W)."""
        fill, mask = x[:, :3], x[:, 3:4]
        h = self.inc(torch.cat([fill * 2 - 1, mask], 1))
        skips = [h]
        for down in self.down:
            h = down(h)
            skips.append(h)
        h = self.mid(skips.pop())
        for up in reversed(self.up):
            skip = skips.pop()
            h = F.interpolate(h, size=skip.shape[2:], mode="bilinear", align_corners=False)
            h = up(torch.cat([h, skip], 1))
        return self.head(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fill, mask = x[:, :3], x[:, 3:4]
        return fill + mask * self.residual(x)


def build_refine(**options) -> RefineNet:
    """A fresh :class:`RefineNet` (``width``, ``dilations``) with torch's current seed."""
    if "dilations" in options:
        options["dilations"] = tuple(options["dilations"])
    return RefineNet(**options)
