"""The learned inpainting networks and their trainer (``retouch train inpaint``): the
partial convolution's renormalisation and mask update worked by hand, the nets on odd
sizes, a tiny run that resumes to the same weights as an uninterrupted one, the ONNX
export against torch, and bad input as one line with exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import need_module
from tests.train.conftest import TRAIN

torch = need_module("torch", TRAIN)
need_module("onnxruntime", TRAIN)

from retouch.cli.main import main  # noqa: E402
from retouch.core.io import write_image  # noqa: E402
from retouch.train.inpaint_export import export_inpaint  # noqa: E402
from retouch.train.inpaint_nets import PartialConv2d, build_inpaint_net  # noqa: E402
from retouch.train.inpaint_recipe import load_inpaint_recipe  # noqa: E402
from retouch.train.inpaint_train import train_inpaint  # noqa: E402


def _pconv(k: int = 3) -> PartialConv2d:
    conv = PartialConv2d(1, 1, k)
    with torch.no_grad():
        conv.weight.fill_(1.0)
        conv.bias.fill_(0.5)
    return conv


def test_window_all_hole_gives_zero_and_masks_it():
    known = torch.ones(1, 1, 9, 9)
    known[..., 2:7, 2:7] = 0  # a 5 x 5 hole: the 3 x 3 windows around (4, 4) see none
    y, new = _pconv()(torch.full((1, 1, 9, 9), 2.0), known)
    assert y[0, 0, 4, 4] == 0 and new[0, 0, 4, 4] == 0
    # a window with 4 known of 9: 2 * 4 * 9 / 4 + bias, the sum renormalised to 9 pixels
    assert new[0, 0, 2, 2] == 1 and y[0, 0, 2, 2].item() == pytest.approx(2 * 9 + 0.5)
    assert y[0, 0, 0, 0].item() == pytest.approx(2 * 9 + 0.5)  # zero pad is unknown too


def test_the_hole_shrinks_layer_by_layer():
    known = torch.ones(1, 1, 15, 15)
    known[..., 3:12, 3:12] = 0  # 9 x 9
    conv, sides = _pconv(), []
    x = torch.rand(1, 1, 15, 15)
    for _ in range(4):
        x, known = conv(x, known)
        sides.append(int((known == 0).sum().item() ** 0.5))
    assert sides == [7, 5, 3, 1]


@pytest.mark.parametrize("name", ["pconv", "maskunet"])
def test_nets_on_odd_sizes_give_rgb_in_0_1(name):
    net = build_inpaint_net(name, width=4).eval()
    known = torch.ones(2, 1, 37, 91)
    known[..., 10:20, 30:50] = 0
    with torch.no_grad():
        out = net(torch.rand(2, 3, 37, 91) * known, known)
    assert out.shape == (2, 3, 37, 91) and 0 <= out.min() and out.max() <= 1


def test_unknown_net_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid: pconv, maskunet"):
        build_inpaint_net("lama")


@pytest.fixture
def photos(tmp_path):
    rng = np.random.default_rng(3)
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(3):
        write_image(root / f"p{i}.png", rng.integers(0, 256, (80, 96, 3), dtype=np.uint8))
    return root


def _recipe(photos, **over):
    base = dict(net="pconv", width=4, data=[str(photos)], size=64, batch=2, steps_per_epoch=1)
    base.update(epochs=2, selection_fraction=0.0, threads=1, device="cpu")
    return load_inpaint_recipe({**base, **over})


def _state(run) -> dict:
    return torch.load(run / "last.pt", weights_only=False)["model"]


def test_run_folder_and_exact_resume(photos, tmp_path, train_extra):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    record = train_inpaint(_recipe(photos), whole)
    assert record["epoch"] == 2
    for name in ("recipe.yaml", "meta.json", "metrics.jsonl", "last.pt", "best.pt"):
        assert (whole / name).is_file()
    assert len((whole / "metrics.jsonl").read_text().splitlines()) == 2

    def stop_in_epoch_2(step, steps, info):
        if info["epoch"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_inpaint(_recipe(photos), cut, progress=stop_in_epoch_2)
    train_inpaint(_recipe(photos), cut, resume=True)
    a, b = _state(whole), _state(cut)
    assert all(torch.equal(a[k], b[k]) for k in a)

    out = tmp_path / "m" / "tiny.onnx"
    rec = export_inpaint(whole, out, command="test")
    assert rec["onnx_vs_torch_max_abs"] < 2e-3
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["sha256"] == rec["sha256"] and saved["recipe"]["net"] == "pconv"


def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, train_extra):
    code = main(["train", "inpaint", "no_such_recipe", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "no_such_recipe" in err
    code = main(["train", "export-inpaint", str(tmp_path / "none"), "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "best.pt" in err


def test_bad_recipe_value_names_it(photos):
    with pytest.raises(ValueError, match="size must be a multiple of 64"):
        _recipe(photos, size=100)
