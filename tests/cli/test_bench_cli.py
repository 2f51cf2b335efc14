import json

import numpy as np

from retouch.cli.main import main
from retouch.core.io import write_image, write_mask
from tests.conftest import stripes


def test_bench_inpaint_prints_table_and_writes_json_and_sheet(tmp_path, capsys):
    (tmp_path / "img").mkdir()
    (tmp_path / "masks").mkdir()
    write_image(tmp_path / "img" / "a.png", stripes(64, 64))
    for b, size in [(0, 12), (2, 34)]:
        m = np.zeros((48, 48), np.uint8)
        m[8 : 8 + size * 48 // 64, 8 : 8 + size * 48 // 64] = 255
        write_mask(tmp_path / "masks" / f"bin{b}_0.png", m)
    code = main(
        [
            "bench",
            "inpaint",
            "--images",
            str(tmp_path / "img"),
            "--masks",
            str(tmp_path / "masks"),
            "--methods",
            "patchmatch,telea",
            "--no-perceptual",
            "--json",
            str(tmp_path / "r.json"),
            "--sheet",
            str(tmp_path / "s.png"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "patchmatch" in out and "x telea" in out and (tmp_path / "s.png").stat().st_size > 0
    data = json.loads((tmp_path / "r.json").read_text())
    assert len(data["rows"]) == 4 and set(data["summary"]) == {"0-10%", "20-30%"}
