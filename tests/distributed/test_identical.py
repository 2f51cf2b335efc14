"""``retouch batch`` writes the same bytes as the single-process command, photo by photo."""

from __future__ import annotations

import importlib.util

import pytest

from retouch.cli.main import main
from retouch.core.io import load_image, read_mask, write_image
from retouch.distributed.storage import sha256_file
from tests.conftest import need
from tests.distributed.conftest import SAMPLE, manifest, masks, sample

SEGMENT = "pip install --no-deps mediapipe==0.10.21 && pip install -e '.[segment]'"


def _segment_extra() -> None:
    for name in ("mediapipe", "ai_edge_litert", "onnxruntime"):
        need(importlib.util.find_spec(name) is not None, f"{name} is not installed: {SEGMENT}")


def _shoot(folder, count: int = 3) -> list:
    """JPEG photos with the sample's EXIF and ICC profile, and a PNG with alpha."""
    folder.mkdir()
    meta = load_image(SAMPLE)
    paths = []
    for i, width in enumerate((96, 128, 160)[:count]):
        paths.append(folder / f"p{i}.jpg")
        write_image(paths[-1], sample(width), exif=meta.exif, icc_profile=meta.icc_profile)
    rgb = sample(120)
    alpha = rgb[..., 0].copy()
    paths.append(folder / "alpha.png")
    write_image(paths[-1], rgb, alpha=alpha)
    return paths


CASES = {
    "erase-telea": ("erase", ["--method", "telea", "--quality", "90", "--dilate", "2"]),
    "erase-patchmatch": ("erase", ["--seed", "3"]),
    "person": ("person", []),
    "person-cutout": ("person", ["--cutout"]),
    "skin": ("skin", []),
    "skin-soft": ("skin", ["--soft"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_batch_output_is_byte_identical_to_the_single_process_command(tmp_path, client, case):
    verb, flags = CASES[case]
    if verb != "erase":
        _segment_extra()
    inputs = _shoot(tmp_path / "in")
    if verb == "erase":
        flags = [*flags, "--mask", str(masks(tmp_path / "masks", inputs))]
    folder = str(tmp_path / "in")
    assert main([verb, folder, "-o", str(tmp_path / "single"), *flags]) == 0
    address = client.scheduler.address
    out = tmp_path / "batch"
    assert main(["batch", verb, folder, "-o", str(out), "--scheduler", address, *flags]) == 0
    single = sorted(p.name for p in (tmp_path / "single").iterdir())
    assert len(single) == len(inputs)
    assert sorted(p.name for p in out.iterdir() if p.suffix != ".jsonl") == single
    for name in single:
        assert (out / name).read_bytes() == (tmp_path / "single" / name).read_bytes(), name
    if case in ("person", "skin"):  # the masks found something: not all-empty files
        assert any(read_mask(out / name).any() for name in single)
    records = manifest(out)
    assert len(records) == len(inputs) and {r["status"] for r in records} == {"ok"}
    for record in records:
        assert record["output_sha256"] == sha256_file(record["output"])
        assert record["worker"].startswith("tcp://127.0.0.1:")
