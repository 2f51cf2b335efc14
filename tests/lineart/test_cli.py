"""``retouch lineart`` and ``retouch cartoon`` on the command line, in-process."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from retouch.cli.main import main
from retouch.core.io import read_image, write_image
from tests.lineart.conftest import square


def test_lineart_writes_the_drawing_and_its_svg(tmp_path):
    src = tmp_path / "in.png"
    write_image(src, square())
    out = tmp_path / "out.png"
    assert main(["lineart", str(src), "-o", str(out), "--method", "xdog", "--svg"]) == 0
    assert read_image(out).shape == (64, 64, 3)
    root = ET.parse(tmp_path / "out.svg").getroot()
    assert any(e.tag.endswith("path") for e in root.iter())


def test_a_bad_option_is_exit_2_and_one_line(tmp_path, capsys):
    src = tmp_path / "in.png"
    write_image(src, square())
    argv = ["lineart", str(src), "-o", str(tmp_path / "o.png"), "--method", "xdog"]
    assert main([*argv, "-O", "sigma=-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "option sigma must be" in err


def test_keep_background_and_colors_flags_parse(tmp_path, capsys):
    src = tmp_path / "in.png"
    write_image(src, square())
    out = tmp_path / "c.png"
    argv = ["cartoon", str(src), "-o", str(out), "-O", "colors=3", "-O", "lines=false"]
    assert main([*argv, "--keep-background"]) == 0
    assert main(["cartoon", str(src), "-o", str(out), "--overwrite", "-O", "colors=1"]) == 2
    assert "colors must be" in capsys.readouterr().err


def test_transparent_writes_ink_on_a_clear_sheet_and_refuses_jpeg(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    src = tmp_path / "in.png"
    write_image(src, square())
    out = tmp_path / "clear.png"
    assert main(["lineart", str(src), "-o", str(out), "--method", "xdog", "--transparent"]) == 0
    with Image.open(out) as img:
        assert img.mode == "RGBA"
        rgba = np.asarray(img)
    assert main(["lineart", str(src), "-o", str(tmp_path / "white.png"), "--method", "xdog"]) == 0
    drawn = read_image(tmp_path / "white.png")  # the same drawing on white paper
    luma = drawn @ np.array([0.299, 0.587, 0.114])
    alpha = rgba[..., 3].astype(float)
    assert np.abs(alpha - (255 - luma)).max() <= 1  # each pixel's ink is its opacity
    assert alpha[luma == 255].max() == 0 and alpha.max() == 255  # paper clear, ink opaque
    assert rgba[..., :3].max() == 0
    assert main(["lineart", str(src), "-o", str(tmp_path / "x.jpg"), "--transparent"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "needs a format with alpha" in err
    assert not (tmp_path / "x.jpg").exists()
