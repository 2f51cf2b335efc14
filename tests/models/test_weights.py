"""The weights records (``core.weights``): their fields, the resolver and its one folder
variable, the sha256 check, the missing-weights error, and ``retouch models``."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retouch.core import weights
from retouch.core.errors import InputError, RetouchError
from retouch.core.weights import (
    MissingModelError,
    WeightsMismatchError,
    WeightsRecord,
    list_weights,
    status,
    weights_path,
    weights_record,
)
from retouch.segment.skin import bayes

SKIN = Path(bayes.__file__).parent
TABLE = "skin_colour_rgb32"


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    """An empty folder as $RETOUCH_MODEL_DIR (no deprecated variable set), with the
    colour table's caches cleared around the test."""
    for var in ("RETOUCH_MEDIAPIPE_DIR", "RETOUCH_NET_DIR", "RETOUCH_SKIN_TABLE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(tmp_path))
    bayes.load_table.cache_clear()
    bayes._lookup.cache_clear()
    yield tmp_path
    bayes.load_table.cache_clear()
    bayes._lookup.cache_clear()


@pytest.fixture
def toy(monkeypatch):
    """A registered record whose file exists nowhere (removed after the test)."""
    record = WeightsRecord(
        name="toy-net",
        file="toy_net.onnx",
        sha256="0" * 64,
        source="trained by retouch: recipe toy",
        command="retouch train run toy --run RUN && retouch train export RUN -o toy_net.onnx",
        licence="Apache-2.0",
        input_size=(64, 64),
        normalisation="RGB [0, 1]",
    )
    monkeypatch.setitem(weights._records, record.name, record)
    return record


def _models_cli(*argv: str) -> int:
    from retouch.cli import models

    parser = argparse.ArgumentParser()
    models.add_parser(parser.add_subparsers(dest="command"))
    return models.run(parser.parse_args(["models", *argv]))


# --- records -------------------------------------------------------------------------


def test_every_record_has_every_field():
    records = list_weights()
    names = {r.name for r in records}
    assert {"u2netp_skin", TABLE, "selfie", "face-mesh", "pose"} <= names
    for r in records:
        assert r.file and Path(r.file).name == r.file, r.name  # looked up by file name
        assert len(r.sha256) == 64 and int(r.sha256, 16) >= 0, r.name
        assert r.source and r.command and r.licence and r.normalisation, r.name
        assert r.input_size is None or (len(r.input_size) == 2 and min(r.input_size) > 0)
        assert r.package and r.package_path.endswith(r.file), r.name  # shipped somewhere


def test_mediapipe_records_name_the_install_command():
    from retouch.segment.models import MODELS

    assert len(MODELS) == 6
    for name, r in MODELS.items():
        assert weights_record(name) is r and r.file.endswith(".tflite")
        assert r.package == "mediapipe" and r.input_size is not None
        assert "pip install --no-deps mediapipe==0.10.21" in r.command
        assert "scripts/setup.sh segment" in r.command


def test_shipped_json_records_are_one_schema():
    for stem in ("u2netp_skin", TABLE):
        data = json.loads((SKIN / f"{stem}.json").read_text())
        record = WeightsRecord.from_json(SKIN / f"{stem}.json")
        assert record.name == stem and record.sha256 == data["sha256"]
        assert record.to_dict() == data  # the file is the record, nothing added or lost
        assert weights_record(stem).sha256 == record.sha256
    net = weights_record("u2netp_skin")
    assert net.input_size is None and net.extra["long_side"] == 256
    assert "retouch train run" in net.command and "retouch train export" in net.command
    assert weights_record(TABLE).command.startswith("retouch train skin-colour")


def test_a_record_lacking_fields_is_refused():
    with pytest.raises(InputError, match=r"lacks .*licence.*sha256"):
        WeightsRecord.from_dict(
            {
                "file": "x.onnx",
                "source": "s",
                "command": "c",
                "input_size": None,
                "normalisation": "n",
            }
        )


def test_round_trip_keeps_extra_fields():
    shipped = weights_record("u2netp_skin")
    again = WeightsRecord.from_dict(shipped.to_dict())
    assert again == shipped and again.extra == shipped.extra and "recipe" in again.extra
    assert again.package == "retouch" and again.input_size is None
    assert "package" not in WeightsRecord.from_dict({**shipped.to_dict(), "package": ""}).to_dict()


def test_unknown_weights_list_the_known_ones():
    with pytest.raises(InputError, match=r"known weights: .*u2netp_skin"):
        weights_record("nope")


def test_registering_twice_differently_fails():
    record = weights_record(TABLE)
    assert weights.register_weights(record) is record  # the same record again: a no-op
    with pytest.raises(RuntimeError, match="twice"):
        weights.register_weights(WeightsRecord.from_dict({**record.to_dict(), "sha256": "1" * 64}))


def test_import_reads_records_but_hashes_nothing():
    code = (
        "import sys; from retouch.core import weights; weights.list_weights(); "
        "assert not weights._digests, weights._digests; "
        "assert 'onnxruntime' not in sys.modules and 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the resolver --------------------------------------------------------------------


def test_model_dir_is_searched_first(model_dir):
    assert weights_path(TABLE) == SKIN / f"{TABLE}.npz"  # not in the folder: the shipped one
    shutil.copy(SKIN / f"{TABLE}.npz", model_dir / f"{TABLE}.npz")
    assert weights_path(TABLE) == model_dir / f"{TABLE}.npz"
    assert status(TABLE) == "installed" and bayes.table_path() == model_dir / f"{TABLE}.npz"
    assert bayes.load_table().threshold == pytest.approx(0.45)


def test_a_corrupted_copy_is_a_mismatch(model_dir):
    copy = model_dir / f"{TABLE}.npz"
    copy.write_bytes((SKIN / f"{TABLE}.npz").read_bytes() + b"\0")
    assert status(TABLE) == "sha256 mismatch"
    with pytest.raises(WeightsMismatchError, match=r"sha256 .* retouch train skin-colour") as err:
        weights_path(TABLE)
    assert str(copy) in str(err.value)
    with pytest.raises(MissingModelError, match="sha256"):  # what the bayes method raises
        bayes.bayes(np.zeros((4, 4, 3), np.uint8))
    assert isinstance(err.value, MissingModelError) and isinstance(err.value, RetouchError)


def test_a_file_with_its_own_record_is_checked_against_it(model_dir):
    """A table rebuilt by ``retouch train skin-colour`` into the folder brings its record."""
    skin, other = np.zeros(bayes.BINS**3, np.int64), np.ones(bayes.BINS**3, np.int64)
    record = {
        "source": "a test",
        "command": "retouch train skin-colour --data D",
        "licence": "test",
        "input_size": None,
        "normalisation": "RGB uint8",
    }
    bayes.write_table(model_dir / f"{TABLE}.npz", bayes.ColourTable(skin, other, 0.3), record)
    assert status(TABLE) == "installed"
    path, found = weights.resolve(TABLE)
    assert path.parent == model_dir and found.source == "a test" and found.name == TABLE
    assert found.sha256 != weights_record(TABLE).sha256
    assert bayes.load_table().threshold == pytest.approx(0.3)
    with open(path, "ab") as f:
        f.write(b"\0")
    assert status(TABLE) == "sha256 mismatch"  # the file changed: hashed again


def test_missing_weights_name_the_command(model_dir, toy):
    assert status(toy.name) == "missing" and weights.find_weights(toy.name) is None
    with pytest.raises(MissingModelError, match="retouch train run toy") as err:
        weights_path(toy.name)
    assert str(model_dir / "toy_net.onnx") in str(err.value)  # says where it looked
    assert "RETOUCH_MODEL_DIR" in str(err.value)


def test_missing_mediapipe_names_its_install(model_dir, monkeypatch):
    real = weights._package_dir
    monkeypatch.setattr(weights, "_package_dir", lambda p: None if p == "mediapipe" else real(p))
    assert status("selfie") == "missing"
    with pytest.raises(MissingModelError, match="mediapipe is not installed") as err:
        weights_path("face-mesh")
    assert "pip install --no-deps mediapipe==0.10.21" in str(err.value)
    assert "scripts/setup.sh segment" in str(err.value)


def test_sha256_is_computed_once_per_file(model_dir, monkeypatch):
    shutil.copy(SKIN / f"{TABLE}.npz", model_dir / f"{TABLE}.npz")
    calls = []
    real = weights.hashlib.sha256
    monkeypatch.setattr(weights.hashlib, "sha256", lambda *a: calls.append(1) or real(*a))
    for _ in range(3):
        weights_path(TABLE)
        status(TABLE)
    assert len(calls) == 1


def test_deprecated_variable_still_works_and_warns(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("RETOUCH_MODEL_DIR", raising=False)
    table = tmp_path / "old.npz"
    shutil.copy(SKIN / f"{TABLE}.npz", table)
    monkeypatch.setenv("RETOUCH_SKIN_TABLE", str(table))
    monkeypatch.setattr(weights, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="retouch.core.weights"):
        assert weights_path(TABLE) == table
        weights_path(TABLE)
    warned = [r for r in caplog.records if "RETOUCH_SKIN_TABLE is deprecated" in r.message]
    assert len(warned) == 1 and "RETOUCH_MODEL_DIR" in warned[0].message
    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(tmp_path / "empty"))
    assert weights_path(TABLE) == table  # the folder first, then the old variable


# --- retouch models ------------------------------------------------------------------


def test_models_json_lists_every_record(capsys):
    from retouch.segment.models import MODELS

    assert _models_cli("--json") == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {r.name for r in list_weights()}
    assert {r.file for r in MODELS.values()} <= {r["file"] for r in rows}
    assert {"u2netp_skin", TABLE} <= set(by_name)
    for r in rows:
        assert {"name", "file", "status", "sha256", "source", "licence", "command"} <= set(r)
        assert r["status"] in ("installed", "missing", "sha256 mismatch")
    assert by_name["u2netp_skin"]["status"] == "installed"  # shipped in the package
    assert by_name[TABLE]["path"] == str(SKIN / f"{TABLE}.npz")


def test_models_check_fails_on_a_mismatch(model_dir, capsys):
    (model_dir / f"{TABLE}.npz").write_bytes(b"not a table")
    assert _models_cli() == 0  # listing never fails
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith(TABLE))
    assert "sha256 mismatch" in line and "1dbfe7b91083" in line
    assert "provide it with: retouch train skin-colour" in out and str(model_dir) in out
    assert _models_cli("--check") == 1


def test_retouch_models_from_the_main_entry_point(capsys):
    from retouch.cli.main import main

    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert all(r.name in out for r in list_weights())
    assert main(["models", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(list_weights())
