"""The U^2-Net family: sizes from the paper, forward and backward on a small input."""

from __future__ import annotations

import pytest

from tests.conftest import need_module
from tests.train.conftest import TRAIN

torch = need_module("torch", TRAIN)

from retouch.train.loop import deep_supervision_loss  # noqa: E402 - imports torch
from retouch.train.u2net import SkinNet, build_model, count_parameters  # noqa: E402


def test_parameter_counts_match_the_paper():
    # Qin et al. 2020: U^2-Net 44.0 M parameters (176.3 MB), U^2-NetP 1.13 M (4.7 MB).
    assert abs(count_parameters(build_model("u2net")) - 44.0e6) < 0.1e6
    assert abs(count_parameters(build_model("u2netp")) - 1.13e6) < 0.01e6


@pytest.mark.slow  # 3.6 s (u2netp) and 8.7 s (u2net) on 2 CPU cores
@pytest.mark.parametrize("arch", ["u2netp", "u2net"])
def test_forward_backward_64(arch):
    torch.manual_seed(0)
    net = build_model(arch)
    x = torch.rand(2, 3, 64, 64)
    outputs = net(x)
    assert len(outputs) == 7
    assert all(o.shape == (2, 1, 64, 64) for o in outputs)
    target = (torch.rand(2, 1, 64, 64) > 0.5).float()
    loss = deep_supervision_loss(outputs, target, side_weight=1.0, dice_weight=1.0)
    loss.backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


def test_odd_sizes_come_back_at_input_size():
    net = SkinNet(build_model("u2netp")).eval()
    with torch.no_grad():
        for h, w in ((33, 47), (100, 7), (1, 1)):
            p = net(torch.rand(1, 3, h, w))
            assert p.shape == (1, 1, h, w)
            assert ((p >= 0) & (p <= 1)).all()


def test_unknown_architecture_lists_the_valid_ones():
    with pytest.raises(ValueError, match="u2netp"):
        build_model("u3net")


def test_loss_is_lower_for_the_right_answer():
    target = torch.zeros(1, 1, 8, 8)
    target[..., 2:6, 2:6] = 1
    right = [(target * 2 - 1) * 8] * 7
    wrong = [(1 - target * 2) * 8] * 7
    kw = {"side_weight": 1.0, "dice_weight": 1.0}
    assert deep_supervision_loss(right, target, **kw) < 0.05
    assert deep_supervision_loss(wrong, target, **kw) > 10
