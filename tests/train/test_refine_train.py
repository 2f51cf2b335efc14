"""The PatchMatch refinement net: its zero start, exact resume, ONNX export, CLI errors."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.cli.main import main

pytestmark = pytest.mark.usefixtures("train_extra")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Three shards of two 48 px triples from synthetic photos (PatchMatch on each)."""
    from retouch.train.refine_data import build_shard

    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(5)
    from retouch.core.io import write_image

    for i in range(2):
        y, x = np.mgrid[0:80, 0:96]
        img = np.stack([(x * 2 + 40 * i) % 256, (y * 3) % 256, (x + y) % 256], 2)
        noise = rng.integers(0, 30, img.shape)
        write_image(folder / f"p{i}.png", np.clip(img + noise, 0, 255).astype(np.uint8))
    cache = tmp_path_factory.mktemp("cache")
    photos = sorted(folder.iterdir())
    for k in range(3):
        build_shard(photos, cache, k, count=2, seed=3, side=48)
    return cache, photos


@pytest.fixture
def tiny_cache(tiny):
    return tiny[0]


def _recipe(cache, **kw):
    from retouch.train.refine_train import RefineRecipe

    base = dict(cache=str(cache), net={"width": 8}, crop=32, batch=2, steps_per_epoch=1)
    return RefineRecipe(**{**base, "epochs": 2, "feature_weight": 0.0, **kw})


def test_untrained_net_returns_the_fill_exactly():
    import torch

    from retouch.train.refine_nets import RefineNet

    torch.manual_seed(0)
    fill = torch.rand(2, 3, 40, 56)
    mask = (torch.rand(2, 1, 40, 56) > 0.6).float()
    assert torch.equal(RefineNet(width=8)(torch.cat([fill, mask], 1)), fill)


def test_shards_are_deterministic_per_seed(tiny, tmp_path):
    from retouch.train.refine_data import build_shard

    again = build_shard(tiny[1], tmp_path, 1, count=2, seed=3, side=48)
    a, b = np.load(again), np.load(tiny[0] / "shard_0001.npz")
    assert all(np.array_equal(a[k], b[k]) for k in ("image", "mask", "fill"))
    hole = a["mask"] > 0
    assert hole.any() and np.array_equal(a["fill"][~hole], a["image"][~hole])


def test_resumed_run_matches_an_uninterrupted_one(tiny_cache, tmp_path):
    import torch

    from retouch.train.refine_train import load_refine, train_refine

    train_refine(_recipe(tiny_cache), tmp_path / "whole")
    train_refine(_recipe(tiny_cache, epochs=1), tmp_path / "split")
    train_refine(_recipe(tiny_cache), tmp_path / "split", resume=True)
    a, ca = load_refine(tmp_path / "whole" / "last.pt")
    b, cb = load_refine(tmp_path / "split" / "last.pt")
    assert ca["step"] == cb["step"] == 2
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(p, q), name
    assert a.head.weight.abs().sum() > 0  # it did learn something: not a zero-vs-zero match
    lines = (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2 and (tmp_path / "split" / "best.pt").is_file()


def test_onnx_export_matches_torch(tiny_cache, tmp_path):
    from retouch.train.refine_export import export_refine, onnx_vs_torch
    from retouch.train.refine_train import load_refine, train_refine

    train_refine(_recipe(tiny_cache, epochs=1), tmp_path / "run")
    record = export_refine(tmp_path / "run", tmp_path / "r.onnx", checkpoint="last")
    net, _ = load_refine(tmp_path / "run" / "last.pt")
    assert record["onnx_vs_torch_max_abs"] < 1e-4
    assert onnx_vs_torch(net, tmp_path / "r.onnx", shape=(1, 4, 48, 120), seed=4) < 1e-4
    assert record["opset"] == 17 and len(record["sha256"]) == 64


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["train", "refine", "nosuch", "--out", "X"], "unknown refine recipe"),
        (["train", "refine", "refine_cpu", "--out", "X", "-O", "nokey=1"], "unknown recipe keys"),
        (["train", "export-refine", "/nonexistent/run", "--out", "x.onnx"], "no such checkpoint"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "Traceback" not in err[0], err


def test_cli_empty_cache_is_one_line_and_exit_2(capsys, tmp_path):
    argv = [
        "train",
        "refine",
        "refine_cpu",
        "--out",
        str(tmp_path / "r"),
        "-O",
        f"cache={tmp_path}",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds 0 shards" in err[0], err


@pytest.mark.parametrize("text", ["a: [1, 2", "- 1\n- 2\n"])
def test_a_recipe_that_is_not_a_yaml_mapping_is_one_line_and_exit_2(text, capsys, tmp_path):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text(text)
    assert main(["train", "refine", str(recipe), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.yaml" in err[0], err
