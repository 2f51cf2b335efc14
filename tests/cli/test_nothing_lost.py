"""Issue 16 in the command line: no input is ever written over, bad values are one line
before any work, batches go on past bad files, outputs are checked first, Ctrl-C is prompt."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from retouch.cli.main import main
from retouch.core.io import load_image, read_image, write_image, write_mask
from tests.conftest import square_mask, stripes

ERASE_CLI = "retouch.cli.erase"


@pytest.fixture
def files(tmp_path) -> Path:
    write_image(tmp_path / "a.png", stripes(64, 64))
    write_mask(tmp_path / "mask.png", square_mask(64, 64, 20, 40, 20, 40))
    return tmp_path


def _erase(files: Path, *extra: str, image: str = "a.png", mask: str = "mask.png") -> list[str]:
    return ["erase", str(files / image), "--mask", str(files / mask), *extra]


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a fill or a segmentation starts: checks must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the work started before the bad value was refused")

    monkeypatch.setattr("retouch.inpaint.erase", refuse)
    return refuse


# --- 2. the output is never an input -----------------------------------------------------


def test_output_equal_to_the_mask_file_is_refused(files, capsys, no_work):
    before = (files / "mask.png").read_bytes()
    for flags in ([], ["--overwrite"]):
        assert main([*_erase(files, "-o", str(files / "mask.png")), *flags]) == 2
        assert "mask" in _one_line(capsys)
    assert (files / "mask.png").read_bytes() == before


def test_output_equal_to_the_source_mask_is_refused(files, capsys, no_work):
    write_mask(files / "src.png", np.full((64, 64), 255, np.uint8))
    before = (files / "src.png").read_bytes()
    args = _erase(files, "--source", str(files / "src.png"), "-o", str(files / "src.png"))
    assert main([*args, "--overwrite"]) == 2
    assert "src.png" in _one_line(capsys)
    assert (files / "src.png").read_bytes() == before


def test_batch_into_the_mask_folder_is_refused(tmp_path, capsys, no_work):
    (tmp_path / "in").mkdir()
    (tmp_path / "masks").mkdir()
    write_image(tmp_path / "in" / "x.png", stripes())
    write_mask(tmp_path / "masks" / "x.png", square_mask())
    before = (tmp_path / "masks" / "x.png").read_bytes()
    args = ["erase", str(tmp_path / "in"), "--mask", str(tmp_path / "masks")]
    assert main([*args, "-o", str(tmp_path / "masks"), "--overwrite"]) == 2
    assert "mask folder" in _one_line(capsys)
    assert (tmp_path / "masks" / "x.png").read_bytes() == before


def test_an_output_that_is_another_input_is_refused(tmp_path, capsys):
    """`skin` writes .png: x.jpg's output would be the input x.png of the same run."""
    write_image(tmp_path / "x.png", stripes())
    write_image(tmp_path / "y.jpg", stripes())
    write_image(tmp_path / "y.png", stripes(period=4))
    before = (tmp_path / "y.png").read_bytes()
    args = ["skin", str(tmp_path / "y.jpg"), str(tmp_path / "y.png"), "--method", "hsv"]
    assert main([*args, "-o", str(tmp_path), "--overwrite"]) == 2
    assert "y.png" in _one_line(capsys)
    assert (tmp_path / "y.png").read_bytes() == before


# --- 4. two inputs, one output name --------------------------------------------------------


def test_outputs_with_the_same_name_are_refused_before_any_work(tmp_path, capsys, no_work):
    for d in ("d1", "d2"):
        (tmp_path / d).mkdir()
        write_image(tmp_path / d / "a.jpg", stripes())
    write_mask(tmp_path / "m.png", square_mask())
    args = ["erase", str(tmp_path / "d1" / "a.jpg"), str(tmp_path / "d2" / "a.jpg")]
    assert main([*args, "--mask", str(tmp_path / "m.png"), "-o", str(tmp_path / "out")]) == 2
    line = _one_line(capsys)
    assert "d1" in line and "d2" in line
    assert not list((tmp_path / "out").iterdir())


def test_same_stem_in_one_folder_is_refused_for_mask_outputs(tmp_path, capsys):
    write_image(tmp_path / "x.jpg", stripes())
    write_image(tmp_path / "x.png", stripes())
    args = ["skin", str(tmp_path / "x.jpg"), str(tmp_path / "x.png"), "--method", "hsv"]
    assert main([*args, "-o", str(tmp_path / "out")]) == 2
    assert "x.png" in _one_line(capsys)
    assert not list((tmp_path / "out").iterdir())


# --- 5. bad option values: one line, exit 2, before any file is read ------------------------


@pytest.mark.parametrize(
    "flags",
    [
        ["-O", "patch_size=abc"],
        ["-O", "patch_size=0"],
        ["-O", "patch_size=-3"],
        ["-O", "patch_size=8"],
        ["-O", "em_coarse=-1"],
        ["--seed", str(2**64)],
        ["--seed", "-1"],
        ["--dilate", "100000"],
        ["--dilate", "-5"],
        ["--method", "telea", "-O", "radius=-5"],
        ["--quality", "0"],
        ["--max-pixels", "0"],
        ["--max-pixels", "-1"],
        ["--max-pixels", "lots"],
    ],
)
def test_bad_values_are_one_line_before_any_file_is_read(tmp_path, capsys, no_work, flags):
    missing = tmp_path / "not-there.jpg"  # an error about the file would mean it was read first
    args = ["erase", str(missing), "--mask", str(missing), "-o", str(tmp_path / "o.png")]
    assert main([*args, *flags]) == 2
    line = _one_line(capsys)
    assert "not-there" not in line
    assert flags[-1].split("=")[0].lstrip("-") in line or flags[0].lstrip("-") in line


def test_segment_option_of_the_wrong_type_is_one_line(tmp_path, capsys):
    args = ["skin", str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "m.png")]
    assert main([*args, "--method", "hsv", "-O", "v_min=abc"]) == 2
    assert "v_min" in _one_line(capsys)


def test_max_pixels_in_scientific_notation_and_in_the_environment(files, capsys, monkeypatch):
    assert main([*_erase(files, "-o", str(files / "o.png")), "--max-pixels", "1e3"]) == 2
    line = _one_line(capsys)
    assert "1,000 pixels" in line and "4,096 pixels" in line
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "1e3")
    assert main(_erase(files, "-o", str(files / "o.png"))) == 2
    assert "over the limit of 1,000 pixels" in _one_line(capsys)
    monkeypatch.setenv("RETOUCH_MAX_PIXELS", "many")
    assert main(_erase(files, "-o", str(files / "o.png"))) == 2
    assert "RETOUCH_MAX_PIXELS" in _one_line(capsys)


# --- 10. outputs are checked before any work ------------------------------------------------


def test_missing_output_folder_is_refused_before_work(files, capsys, no_work):
    assert main(_erase(files, "-o", str(files / "no" / "such" / "o.png"))) == 2
    assert "does not exist" in _one_line(capsys)


def test_output_under_a_file_says_it_is_a_file(files, capsys, no_work):
    assert main(_erase(files, "-o", str(files / "a.png" / "o.png"))) == 2
    line = _one_line(capsys)
    assert "is a file" in line and "does not exist" not in line


def test_a_mask_asked_as_jpeg_is_refused_before_work(files, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("segmentation ran before the output was checked")

    monkeypatch.setattr("retouch.segment.skin.rules.hsv", refuse)
    assert main(["skin", str(files / "a.png"), "--method", "hsv", "-o", str(files / "m.jpg")]) == 2
    assert "lossless" in _one_line(capsys)


# --- 3. a bad file does not stop a batch -----------------------------------------------------


def _tiff_with_rational_strip_offsets() -> bytes:
    """An uncompressed TIFF whose StripOffsets (tag 273) is stored as a RATIONAL: Pillow
    raised "TypeError: 'IFDRational' object cannot be interpreted as an integer"."""
    buffer = io.BytesIO()
    Image.fromarray(stripes()).save(buffer, format="TIFF")
    data = bytearray(buffer.getvalue())
    start = int.from_bytes(data[4:8], "little")
    for entry in range(
        start + 2, start + 2 + 12 * int.from_bytes(data[start : start + 2], "little"), 12
    ):
        if int.from_bytes(data[entry : entry + 2], "little") == 273:
            data[entry + 2 : entry + 4] = (5).to_bytes(2, "little")
            return bytes(data)
    raise AssertionError("no StripOffsets tag")


def test_a_corrupt_tiff_does_not_stop_the_batch(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a_bad.tif").write_bytes(_tiff_with_rational_strip_offsets())
    (tmp_path / "in" / "b_truncated.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    write_image(tmp_path / "in" / "c_good.png", stripes())
    write_mask(tmp_path / "m.png", square_mask())
    args = ["erase", str(tmp_path / "in"), "--mask", str(tmp_path / "m.png"), "--method", "telea"]
    assert main([*args, "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "2 of 3 files failed" in err
    assert "a_bad.tif: cannot decode the image" in err
    assert (tmp_path / "out" / "c_good.png").is_file()


# --- 9. EXIF kept, an unchanged photo copied ---------------------------------------------


def _jpeg_with_exif(path: Path) -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "A. Photographer"  # Artist
    exif[0x010F] = "RetouchCam"  # Make
    Image.fromarray(stripes()).save(path, format="JPEG", quality=90, exif=exif.tobytes())
    return path.read_bytes()


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".tif"])
def test_exif_is_kept_in_every_format_that_holds_it(files, ext):
    _jpeg_with_exif(files / "e.jpg")
    assert main(_erase(files, "-o", str(files / f"out{ext}"), image="e.jpg")) == 0
    with Image.open(files / f"out{ext}") as img:
        assert img.getexif().get(0x013B) == "A. Photographer"


def test_an_empty_mask_copies_the_file_bit_for_bit(files, capsys):
    original = _jpeg_with_exif(files / "e.jpg")
    write_mask(files / "empty.png", np.zeros((64, 64), np.uint8))
    assert main(_erase(files, "-o", str(files / "o.jpg"), image="e.jpg", mask="empty.png")) == 0
    assert "unchanged" in capsys.readouterr().err
    assert (files / "o.jpg").read_bytes() == original


# --- the CLI erase really fills the hole -------------------------------------------------------


def test_erase_removes_what_the_mask_covers(files):
    photo = stripes(64, 64)
    photo[24:36, 24:36] = (250, 250, 40)  # a yellow blob on red/blue stripes
    write_image(files / "blob.png", photo)
    write_mask(files / "blob_mask.png", square_mask(64, 64, 22, 38, 22, 38))
    assert (
        main(_erase(files, "-o", str(files / "o.png"), image="blob.png", mask="blob_mask.png")) == 0
    )
    out = read_image(files / "o.png")
    hole = out[22:38, 22:38].astype(int)
    assert not ((hole[..., 0] > 200) & (hole[..., 1] > 200)).any()  # no yellow left
    assert np.abs(hole - stripes(64, 64)[22:38, 22:38]).mean() < 40  # stripes continued


# --- 12. Ctrl-C is prompt ----------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_during_a_long_fill_stops_within_seconds(tmp_path):
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (1200, 1200, 3), dtype=np.uint8)
    write_image(tmp_path / "big.png", photo)
    write_mask(tmp_path / "m.png", square_mask(1200, 1200, 200, 1000, 200, 1000))
    cmd = [sys.executable, "-m", "retouch.cli.main", "erase", str(tmp_path / "big.png")]
    cmd += ["--mask", str(tmp_path / "m.png"), "-o", str(tmp_path / "o.png")]
    cmd += ["-O", "em_coarse=60", "-O", "em_fine=60"]  # a fill of a minute or more
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env={**os.environ})
    time.sleep(5.0)  # past start-up, well into the fill
    assert proc.poll() is None, proc.stderr.read()
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    waited = time.monotonic() - sent
    err = proc.stderr.read()
    assert code == 130 and "interrupted" in err and "Traceback" not in err
    assert waited < 3.0, f"Ctrl-C took {waited:.1f} s"
    assert not (tmp_path / "o.png").exists() and not list(tmp_path.glob("*.part"))


def test_loaded_alpha_survives_the_checks(files):
    """The pre-work checks must not change what a normal run writes."""
    alpha = np.full((64, 64), 255, np.uint8)
    alpha[:8] = 0
    write_image(files / "t.png", stripes(), alpha=alpha)
    assert (
        main(_erase(files, "-o", str(files / "t_out.png"), "--method", "telea", image="t.png")) == 0
    )
    assert np.array_equal(load_image(files / "t_out.png").alpha, alpha)


def test_seed_as_an_option_is_the_seed_flag(files):
    """``-O seed=N`` and ``--seed N`` are one setting, not two that collide."""
    noise = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    write_image(files / "n.png", noise)
    args = _erase(files, image="n.png")
    assert main([*args, "-o", str(files / "a.png"), "-O", "seed=5"]) == 0
    assert main([*args, "-o", str(files / "b.png"), "--seed", "5"]) == 0
    assert main([*args, "-o", str(files / "c.png"), "--seed", "6"]) == 0
    assert (files / "a.png").read_bytes() == (files / "b.png").read_bytes()
    assert (files / "a.png").read_bytes() != (files / "c.png").read_bytes()
