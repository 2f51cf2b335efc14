"""``retouch bench batch`` runs end to end and prints its numbers (no timing asserted)."""

from __future__ import annotations

import json

from retouch.cli.main import main


def test_bench_batch_prints_ratio_and_overhead_and_writes_json(tmp_path, capsys, dask_extra):
    report = tmp_path / "b.json"
    args = ["bench", "batch", "--count", "3", "--megapixels", "0.01", "--json", str(report)]
    assert main([*args, "--keep", str(tmp_path / "kept")]) == 0
    out = capsys.readouterr().out
    assert "2 workers vs 1:" in out and "ms per photo" in out and "single process" in out
    data = json.loads(report.read_text())
    assert data["photos"] == 3 and set(data["batch"]) == {"1", "2"}
    assert data["ratio_2_vs_1"] > 0 and data["single_photos_per_s"] > 0
    for name in ("single", "batch1", "batch2"):  # every run wrote every photo
        assert len(list((tmp_path / "kept" / name).glob("*.jpg"))) == 3
    assert sorted(p.name for p in (tmp_path / "kept" / "batch2").glob("*.jpg")) == sorted(
        p.name for p in (tmp_path / "kept" / "in").iterdir()
    )
