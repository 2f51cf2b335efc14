"""``retouch bench segment`` on a photo of the user's: a table with one row per method."""

from __future__ import annotations

import json

import numpy as np

from retouch.cli.main import main
from retouch.core.io import write_image


def test_bench_segment_on_own_photo(tmp_path, capsys):
    photo = tmp_path / "p.png"
    write_image(photo, np.full((60, 80, 3), (224, 172, 138), np.uint8))
    out = tmp_path / "b.json"
    argv = ["bench", "segment", "--image", str(photo), "--task", "skin", "--method", "hsv"]
    assert (
        main(
            [
                *argv,
                "--method",
                "ycrcb",
                "--repeat",
                "1",
                "--megapixels",
                "0.01",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    table = capsys.readouterr().out
    assert "hsv" in table and "ycrcb" in table and " ms" in table
    rows = json.loads(out.read_text())
    assert [r["method"] for r in rows] == ["hsv", "ycrcb"] and rows[0]["ms"]["p"] >= 0


def test_bench_segment_without_photos_says_so(tmp_path, capsys):
    assert main(["bench", "segment", "--data", str(tmp_path), "--task", "skin"]) == 2
    assert "--image" in capsys.readouterr().err
