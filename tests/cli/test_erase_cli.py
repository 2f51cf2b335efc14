"""The `retouch` command line, run in-process through its main()."""

from pathlib import Path

import numpy as np
import pytest

from retouch.cli.main import main
from retouch.core.io import load_image, read_image, write_image, write_mask
from tests.conftest import square_mask, stripes


@pytest.fixture
def files(tmp_path) -> Path:
    write_image(tmp_path / "a.png", stripes(64, 64))
    write_image(tmp_path / "b.jpg", stripes(64, 64, period=6))
    write_mask(tmp_path / "mask.png", square_mask(64, 64, 20, 40, 20, 40))
    return tmp_path


def test_methods_lists_every_task(capsys):
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    assert "patchmatch" in out and "telea" in out and "ns" in out


def test_erase_one_file(files):
    assert (
        main(
            [
                "erase",
                str(files / "a.png"),
                "--mask",
                str(files / "mask.png"),
                "-o",
                str(files / "out.png"),
            ]
        )
        == 0
    )
    out, src = read_image(files / "out.png"), read_image(files / "a.png")
    mask = square_mask(64, 64, 20, 40, 20, 40)
    assert np.array_equal(out[mask == 0], src[mask == 0])
    assert not list(files.glob("*.part"))


def test_erase_folder_with_one_mask_and_progress(files, capsys):
    assert (
        main(
            [
                "erase",
                str(files),
                "--mask",
                str(files / "mask.png"),
                "-o",
                str(files / "out"),
                "--method",
                "telea",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in (files / "out").iterdir()) == ["a.png", "b.jpg", "mask.png"]
    assert "3/3" in capsys.readouterr().err  # the batch's progress bar reached its end


def test_mask_folder_matched_by_stem(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "masks").mkdir()
    for name, box in [("x", (5, 15, 5, 15)), ("y", (40, 50, 40, 50))]:
        write_image(tmp_path / "in" / f"{name}.png", stripes(64, 64))
        write_mask(tmp_path / "masks" / f"{name}.png", square_mask(64, 64, *box))
    assert (
        main(
            [
                "erase",
                str(tmp_path / "in"),
                "--mask",
                str(tmp_path / "masks"),
                "-o",
                str(tmp_path / "out"),
                "--method",
                "telea",
            ]
        )
        == 0
    )
    x = read_image(tmp_path / "out" / "x.png")
    assert np.array_equal(x[40:50, 40:50], stripes(64, 64)[40:50, 40:50])


def test_batch_continues_past_a_bad_file_and_reports_it(files, capsys):
    (files / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    code = main(
        [
            "erase",
            str(files),
            "--mask",
            str(files / "mask.png"),
            "-o",
            str(files / "out"),
            "--method",
            "telea",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.jpg" in err and "1 of 4 files failed" in err
    assert (files / "out" / "a.png").exists() and (files / "out" / "b.jpg").exists()


def test_mask_of_another_size_needs_resize_flag(files, capsys):
    write_mask(files / "small.png", square_mask(32, 32, 8, 16, 8, 16))
    args = [
        "erase",
        str(files / "a.png"),
        "--mask",
        str(files / "small.png"),
        "-o",
        str(files / "o.png"),
    ]
    assert main(args) == 2  # one bad input: an input error
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--resize-mask" in err[0]
    assert main([*args, "--resize-mask"]) == 0


def test_output_equal_to_input_is_refused_unless_overwrite(files, capsys, rng):
    write_image(files / "a.png", rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    before = (files / "a.png").read_bytes()
    args = [
        "erase",
        str(files / "a.png"),
        "--mask",
        str(files / "mask.png"),
        "-o",
        str(files / "a.png"),
    ]
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (files / "a.png").read_bytes() == before
    assert main([*args, "--overwrite"]) == 0
    assert (files / "a.png").read_bytes() != before


def test_empty_mask_writes_input_unchanged_and_says_so(files, capsys):
    write_mask(files / "empty.png", np.zeros((64, 64), np.uint8))
    assert (
        main(
            [
                "erase",
                str(files / "a.png"),
                "--mask",
                str(files / "empty.png"),
                "-o",
                str(files / "o.png"),
            ]
        )
        == 0
    )
    assert "mask is empty" in capsys.readouterr().err
    assert np.array_equal(read_image(files / "o.png"), read_image(files / "a.png"))


def test_full_mask_is_one_clear_line(files, capsys):
    write_mask(files / "full.png", np.full((64, 64), 255, np.uint8))
    assert (
        main(
            [
                "erase",
                str(files / "a.png"),
                "--mask",
                str(files / "full.png"),
                "-o",
                str(files / "o.png"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "whole image" in err[0]


def test_alpha_is_written_back(files):
    alpha = np.full((64, 64), 255, np.uint8)
    alpha[:8] = 0
    write_image(files / "t.png", stripes(64, 64), alpha=alpha)
    assert (
        main(
            [
                "erase",
                str(files / "t.png"),
                "--mask",
                str(files / "mask.png"),
                "-o",
                str(files / "t_out.png"),
                "--method",
                "telea",
            ]
        )
        == 0
    )
    assert np.array_equal(load_image(files / "t_out.png").alpha, alpha)


def test_jpeg_quality_and_method_options(files):
    for q in (40, 95):
        assert (
            main(
                [
                    "erase",
                    str(files / "a.png"),
                    "--mask",
                    str(files / "mask.png"),
                    "-o",
                    str(files / f"q{q}.jpg"),
                    "--quality",
                    str(q),
                    "-O",
                    "patch_size=5",
                ]
            )
            == 0
        )
    assert (files / "q40.jpg").stat().st_size < (files / "q95.jpg").stat().st_size


def test_bad_option_and_missing_input_are_clear(files, capsys):
    assert (
        main(
            [
                "erase",
                str(files / "a.png"),
                "--mask",
                str(files / "mask.png"),
                "-o",
                str(files / "o.png"),
                "-O",
                "nope=1",
            ]
        )
        == 2
    )
    assert "valid options" in capsys.readouterr().err
    assert (
        main(
            [
                "erase",
                str(files / "zzz.png"),
                "--mask",
                str(files / "mask.png"),
                "-o",
                str(files / "o.png"),
            ]
        )
        == 2
    )
    assert "no such file" in capsys.readouterr().err


def test_pixel_limit_flag(files, capsys):
    assert (
        main(
            [
                "erase",
                str(files / "a.png"),
                "--mask",
                str(files / "mask.png"),
                "-o",
                str(files / "o.png"),
                "--max-pixels",
                "100",
            ]
        )
        == 2
    )
    assert "over the limit" in capsys.readouterr().err


def test_unwritable_output_is_reported(files, capsys):
    assert (
        main(
            [
                "erase",
                str(files / "a.png"),
                "--mask",
                str(files / "mask.png"),
                "-o",
                str(files / "no" / "such" / "o.png"),
            ]
        )
        == 2
    )
    assert "does not exist" in capsys.readouterr().err


def test_one_photo_with_several_holes_shows_hole_progress(tmp_path, capsys):
    write_image(tmp_path / "big.png", stripes(256, 256))
    mask = np.zeros((256, 256), np.uint8)
    mask[10:20, 10:20] = mask[200:210, 200:210] = 255
    write_mask(tmp_path / "m.png", mask)
    args = ["erase", str(tmp_path / "big.png"), "--mask", str(tmp_path / "m.png"), "-o"]
    assert main([*args, str(tmp_path / "o.png")]) == 0
    err = capsys.readouterr().err
    assert "filling" in err and "2/2" in err


def test_the_command_line_needs_no_optional_extra():
    """A base install (no train, bench or segment extra) must still build every
    command's parser: with yaml, torch and onnxruntime hidden, ``--help`` works."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for name in ('yaml', 'torch', 'onnx', 'onnxruntime', 'mediapipe'):\n"
        "    sys.modules[name] = None\n"
        "from retouch.cli.main import build_parser\n"
        "parser, _ = build_parser()\n"
        "parser.parse_args(['erase', 'a.jpg', '--mask', 'm.png', '-o', 'b.jpg'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
