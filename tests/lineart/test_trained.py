"""The ``trained`` line-art method: a user's exported pairs model, found by file name in
$RETOUCH_MODEL_DIR, checked against its record and run in tiles at full size."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retouch.cli.main import main
from retouch.core.errors import InputError
from retouch.core.io import read_image, write_image
from retouch.core.registry import create
from retouch.core.weights import MissingModelError, WeightsMismatchError, WeightsRecord, file_sha256
from tests.conftest import need_module


def _invert_model(folder, name="drawing.onnx"):
    """An ONNX graph with the pairs export's interface (``image`` -> ``output``, B x 3 x H x W
    in [0, 1]) that returns 1 - image, and its weights record beside it."""
    onnx = need_module("onnx", "pip install -e '.[train]'")
    from onnx import TensorProto, helper

    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["b", 3, "h", "w"])
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["b", 3, "h", "w"])
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    graph = helper.make_graph(
        [helper.make_node("Sub", ["one", "image"], ["output"])], "invert", [image], [output], [one]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = folder / name
    onnx.save(model, str(path))
    record = WeightsRecord(
        name="drawing",
        file=name,
        sha256=file_sha256(path),
        source="a test graph",
        command="tests/lineart/test_trained.py",
        licence="MIT",
        input_size=None,
        normalisation="RGB [0, 1]",
    )
    path.with_suffix(".json").write_text(json.dumps(record.to_dict()))
    return path


def _photo(h=150, w=230, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_the_model_runs_in_tiles_over_the_whole_photo(tmp_path, monkeypatch):
    """Tiles of 64 px overlapping by 16 on a 230 x 150 photo (edges not a multiple of the
    step) give the model's answer everywhere: here the inverse of every pixel."""
    _invert_model(tmp_path)
    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(tmp_path))
    photo = _photo()
    out = create("lineart", "trained", tile=64, overlap=16)(photo)
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - (255 - photo.astype(int))).max() <= 1


def test_the_cli_writes_the_models_drawing(tmp_path, monkeypatch):
    models = tmp_path / "models"
    models.mkdir()
    _invert_model(models, "mine.onnx")
    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(models))
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    write_image(src, _photo(seed=1))
    argv = ["lineart", str(src), "-o", str(out), "--method", "trained", "-O", "model=mine.onnx"]
    assert main(argv) == 0
    assert np.abs(read_image(out).astype(int) - (255 - _photo(seed=1).astype(int))).max() <= 1


def test_without_a_model_the_error_says_how_to_make_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(tmp_path))
    with pytest.raises(MissingModelError, match="retouch train pairs"):
        create("lineart", "trained")(_photo())
    monkeypatch.delenv("RETOUCH_MODEL_DIR")
    with pytest.raises(MissingModelError, match="RETOUCH_MODEL_DIR"):
        create("lineart", "trained")(_photo())
    src = tmp_path / "in.png"
    write_image(src, _photo())
    assert main(["lineart", str(src), "-o", str(tmp_path / "o.png"), "--method", "trained"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "retouch train pairs" in err
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("name", ["../drawing.onnx", "/etc/passwd", "a/b.onnx", "x.txt", "..onnx"])
def test_the_model_is_a_file_name_never_a_path(tmp_path, monkeypatch, name):
    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(tmp_path / "models"))
    with pytest.raises(InputError):
        create("lineart", "trained", model=name)(_photo())


def test_a_damaged_model_or_one_without_its_record_is_refused(tmp_path, monkeypatch):
    path = _invert_model(tmp_path)
    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(tmp_path))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(WeightsMismatchError):
        create("lineart", "trained")(_photo())
    path.with_suffix(".json").unlink()
    with pytest.raises(MissingModelError, match="no weights record"):
        create("lineart", "trained")(_photo())
