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
    assert "seam" in out and "grain" in out and "PSNR hole" in out and "percept." in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert len(data["rows"]) == 4 and set(data["summary"]) == {"0-10%", "20-30%"}
    for row in data["rows"]:
        assert row["seam"] >= 0 and row["grain"] >= 0  # a finite number in every row
    stats = data["summary"]["20-30%"]["patchmatch"]
    assert {"psnr_hole", "ssim_all", "perceptual", "seam", "grain", "s_per_mp"} <= set(stats)


def test_bench_counts_below_one_are_one_line_and_exit_2(capsys):
    for tool in ("halo", "batch"):
        for count in ("0", "-1", "many"):
            try:
                code = main(["bench", tool, "--count", count])
            except SystemExit as exc:  # argparse's own exit, as the CLI sees it
                code = exc.code
            assert code == 2, (tool, count)
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "--count" in err[0] and "Traceback" not in err[0], err
