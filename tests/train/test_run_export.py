"""A whole (tiny) run: train two steps on 8 synthetic photos, resume, export to ONNX,
and use the export as a skin method; the CLI drives the same path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retouch.core.io import write_image, write_mask

TINY = {
    "name": "tiny",
    "task": "skin",
    "arch": "u2netp",
    "stages": [{"size": 32, "epochs": 1, "batch": 4, "steps_per_epoch": 2}],
    "selection_fraction": 0.3,
    "max_side": 48,
    "eval_size": 48,
    "warmup_steps": 1,
    "seed": 0,
    "device": "cpu",
}


@pytest.fixture
def tiny_data(tmp_path):
    rng = np.random.default_rng(0)
    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(8):
        img = np.empty((48, 64, 3), np.uint8)
        img[:] = rng.integers(0, 120, 3)
        mask = np.zeros((48, 64), np.uint8)
        y, x = rng.integers(0, 24), rng.integers(0, 32)
        mask[y : y + 20, x : x + 28] = 255
        img[mask > 0] = (224, 172, 138)
        write_image(root / "images" / f"s{i}.png", img)
        write_mask(root / "masks" / f"s{i}.png", mask)
    return root


@pytest.mark.slow
@pytest.mark.usefixtures("train_extra")
def test_train_resume_export(tiny_data, tmp_path, monkeypatch):
    from retouch.train.config import load_recipe
    from retouch.train.export import check_onnx, export_onnx
    from retouch.train.loop import load_checkpoint, train

    run = tmp_path / "run"
    recipe = load_recipe({**TINY, "train_data": str(tiny_data)})
    first = train(recipe, run)
    assert first["epoch"] == 1 and first["steps"] == 2 and np.isfinite(first["loss"])
    for name in ("recipe.yaml", "meta.json", "metrics.jsonl", "last.pt", "best.pt"):
        assert (run / name).is_file(), name
    meta = json.loads((run / "meta.json").read_text())
    assert len(meta["data_fingerprint"]) == 64 and meta["selection_images"]

    with pytest.raises(FileExistsError):
        train(recipe, run)  # never silently overwrite a run
    longer = load_recipe(
        {
            **TINY,
            "train_data": str(tiny_data),
            "stages": [{"size": 32, "epochs": 2, "batch": 4, "steps_per_epoch": 2}],
        }
    )
    second = train(longer, run, resume=True)
    assert second["epoch"] == 2
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2]
    _, ckpt = load_checkpoint(run / "last.pt")
    assert ckpt["step"] == 4

    onnx_path = tmp_path / "nets" / "u2netp_skin.onnx"
    record = export_onnx(run, onnx_path, checkpoint="last")
    assert record["arch"] == "u2netp" and record["bytes"] == onnx_path.stat().st_size
    model, _ = load_checkpoint(run / "last.pt")
    assert check_onnx(model, onnx_path) < 1e-4

    # The export is a working skin method (read from $RETOUCH_NET_DIR).
    from retouch.core.registry import create
    from retouch.segment.skin.network import load_network

    monkeypatch.setenv("RETOUCH_NET_DIR", str(onnx_path.parent))
    load_network.cache_clear()
    try:
        net = create("skin", "u2netp", person=False, colour=False)  # the network alone
        mask = net(np.full((40, 50, 3), 128, np.uint8))
        assert mask.shape == (40, 50) and set(np.unique(mask)) <= {0, 255}
    finally:
        load_network.cache_clear()


@pytest.mark.slow
@pytest.mark.usefixtures("train_extra")
def test_fine_tune_starts_from_the_init_checkpoint(tiny_data, tmp_path):
    import torch

    from retouch.train.config import load_recipe
    from retouch.train.loop import load_checkpoint, train

    base = tmp_path / "base"
    train(load_recipe({**TINY, "train_data": str(tiny_data)}), base)
    start, _ = load_checkpoint(base / "best.pt")
    tune = tmp_path / "tune"
    zero_lr = {**TINY, "train_data": str(tiny_data), "lr": 0.0, "seed": 5}
    train(load_recipe({**zero_lr, "init": str(base / "best.pt")}), tune)
    tuned, _ = load_checkpoint(tune / "last.pt")
    # With no learning rate the run keeps the weights it started from, not seed 5's.
    for a, b in zip(start.net.parameters(), tuned.net.parameters(), strict=True):
        assert torch.equal(a, b)
    meta = json.loads((tune / "meta.json").read_text())
    assert meta["init_sha256"] and len(meta["init_sha256"]) == 64

    from retouch.train.export import export_onnx

    record = export_onnx(tune, tmp_path / "tuned.onnx")
    assert record["init"]["sha256"] == meta["init_sha256"]
    assert record["init"]["recipe"] == "tiny" and record["init"]["epoch"] == 1
    assert record["command"].startswith(
        "retouch train run tiny --run RUN1 && retouch train run tiny --run RUN -O init=RUN1/best.pt"
    )

    # A third run from the second: the record goes back to the first run of the chain.
    third = tmp_path / "third"
    train(load_recipe({**zero_lr, "init": str(tune / "best.pt")}), third)
    record = export_onnx(third, tmp_path / "third.onnx")
    assert record["init"]["checkpoint"] == str(tune / "best.pt")
    assert record["init"]["init"]["sha256"] == meta["init_sha256"]
    assert record["command"].count("retouch train run") == 3
    assert "--run RUN -O init=RUN2/best.pt && retouch train export RUN" in record["command"]

    # A starting checkpoint overwritten since the run read it describes another network.
    (base / "best.pt").write_bytes((tune / "best.pt").read_bytes())
    note = export_onnx(tune, tmp_path / "again.onnx")["init"]
    assert "changed" in note["found"] and "epoch" not in note

    with pytest.raises(FileNotFoundError):
        train(load_recipe({**zero_lr, "init": str(tmp_path / "nope.pt")}), tmp_path / "x")


@pytest.mark.slow
@pytest.mark.usefixtures("train_extra")
def test_cli_run_and_export(tiny_data, tmp_path, capsys):
    import yaml

    from retouch.cli.main import main

    recipe = tmp_path / "tiny.yaml"
    recipe.write_text(yaml.safe_dump({**TINY, "train_data": str(tiny_data)}))
    run = tmp_path / "run"
    assert main(["train", "run", str(recipe), "--run", str(run), "--seed", "5"]) == 0
    assert yaml.safe_load((run / "recipe.yaml").read_text())["seed"] == 5
    assert main(["train", "export", str(run), "-o", str(tmp_path / "m.onnx")]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["onnx_vs_torch_max_abs"] < 1e-4
    assert (tmp_path / "m.json").is_file()


def test_training_without_torch_says_what_to_install(tmp_path, monkeypatch, capsys):
    import importlib.util

    from retouch.cli.main import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    assert main(["train", "run", "skin_u2netp_cpu", "--run", str(tmp_path / "r")]) == 2
    assert "scripts/setup.sh train" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
