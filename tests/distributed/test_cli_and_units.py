"""The command line's checks, the plan, the manifest, fsspec URLs, model reuse, addresses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import retouch
from retouch.cli.main import main
from retouch.core.errors import InputError
from retouch.core.io import write_mask
from retouch.core.tasks import get_task
from retouch.distributed.manifest import Manifest, read_records
from retouch.distributed.plan import plan_photos
from retouch.photo import PhotoSettings
from tests.distributed.conftest import manifest, masks, photos


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize(
    "flags, says",
    [
        (["-O", "radius=abc"], "option radius must be a whole number"),
        (["-O", "nope=1"], "has no option 'nope'"),
        (["--dilate", "-3"], "dilate"),
        (["--workers", "0"], "--workers: must be a whole number"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not allowed with"),
        (["--retries", "x"], "--retries"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2_before_any_work(tmp_path, capsys, flags, says):
    inputs = photos(tmp_path / "in", 2)
    m = masks(tmp_path / "m", inputs)
    out = tmp_path / "out"
    args = ["batch", "erase", str(tmp_path / "in"), "-o", str(out), "--mask", str(m)]
    assert main([*args, "--method", "telea", *flags]) == 2
    assert says in _one_line(capsys)
    assert not out.exists()  # checked before the output folder is made or a cluster started


def test_an_unknown_task_and_a_missing_input_folder_are_one_line(tmp_path, capsys):
    assert main(["batch", "paint", str(tmp_path), "-o", str(tmp_path / "o")]) == 2
    assert "invalid choice: 'paint'" in _one_line(capsys)
    assert main(["batch", "skin", str(tmp_path / "none"), "-o", str(tmp_path / "o")]) == 2
    assert "no such folder" in _one_line(capsys)


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys, dask_extra, monkeypatch):
    monkeypatch.setattr("retouch.distributed.cluster._CONNECT_TIMEOUT", "1s")
    photos(tmp_path / "in", 1)
    args = ["batch", "skin", str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--method", "hsv"]
    assert main([*args, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in _one_line(capsys)


def test_masks_pair_by_stem_or_stem_mask_and_a_missing_one_fails_that_photo(tmp_path):
    inputs = photos(tmp_path / "in", 3)
    (tmp_path / "m").mkdir()
    write_mask(tmp_path / "m" / "p000.png", np.zeros((8, 8), np.uint8))
    write_mask(tmp_path / "m" / "p001_mask.png", np.zeros((8, 8), np.uint8))
    jobs = plan_photos(
        str(tmp_path / "in"),
        str(tmp_path / "out"),
        spec=get_task("inpaint"),
        settings=PhotoSettings(),
        mask=str(tmp_path / "m"),
    )
    assert [Path(j.mask).name if j.mask else None for j in jobs] == [
        "p000.png",
        "p001_mask.png",
        None,
    ]
    assert jobs[2].mask_error == f"no mask named p002.* in {tmp_path / 'm'}"
    assert [Path(j.target) for j in jobs] == [tmp_path / "out" / p.name for p in inputs]


def test_the_plan_refuses_writing_into_the_input_folder_and_two_photos_one_output(tmp_path):
    photos(tmp_path / "in", 1, ext=".jpg")
    photos(tmp_path / "in", 1, ext=".png")  # p000.jpg and p000.png: both p000.png as masks
    skin, settings = get_task("skin"), PhotoSettings()
    with pytest.raises(InputError, match="output folder is the input folder"):
        plan_photos(str(tmp_path / "in"), str(tmp_path / "in"), spec=skin, settings=settings)
    with pytest.raises(InputError, match="would be written here"):
        plan_photos(str(tmp_path / "in"), str(tmp_path / "o"), spec=skin, settings=settings)


def test_the_manifest_ignores_a_line_cut_short_and_appends_after_it(tmp_path):
    with Manifest(str(tmp_path)) as m:
        m.append({"input": "a.jpg", "status": "ok"})
    path = tmp_path / "retouch-manifest.jsonl"
    path.write_bytes(path.read_bytes() + b'{"input": "b.jp')  # a crash mid-line
    with Manifest(str(tmp_path)) as m:
        m.append({"input": "c.jpg", "status": "ok"})
    assert [r["input"] for r in read_records(str(tmp_path))] == ["a.jpg", "c.jpg"]
    assert path.read_text().splitlines()[1] == '{"input": "b.jp'


def test_every_server_of_the_local_cluster_is_on_127_0_0_1(client):
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    for address, info in workers.items():
        assert address.startswith("tcp://127.0.0.1:") and info["nanny"].startswith(
            "tcp://127.0.0.1:"
        )
    assert client.dashboard_link.startswith("http://127.0.0.1:")


def test_each_worker_builds_a_method_once_for_all_its_photos(tmp_path, client):
    from retouch.distributed.worker import method_loads

    inputs = photos(tmp_path / "in", 8)
    summary = retouch.batch(
        "erase",
        tmp_path / "in",
        tmp_path / "out",
        client=client,
        method="telea",
        mask=masks(tmp_path / "m", inputs),
        radius=7,
    )
    assert summary.done == 8
    key = 'inpaint/telea/{"radius": 7}'
    loads = [counts.get(key, 0) for counts in client.run(method_loads).values()]
    workers = {r["worker"] for r in manifest(tmp_path / "out")}
    assert sum(loads) == len(workers) and max(loads) == 1  # 8 photos, one build per worker


def test_fsspec_urls_in_and_out_match_the_local_run(tmp_path, dask_extra):
    """memory:// stands for a remote store; an in-process cluster shares it."""
    import fsspec

    from distributed import Client, LocalCluster

    inputs = photos(tmp_path / "in", 3, ext=".jpg")
    m = masks(tmp_path / "m", inputs)
    fs = fsspec.filesystem("memory")
    for path in [*inputs, *m.iterdir()]:
        fs.pipe(f"/retouch-test/{path.parent.name}/{path.name}", path.read_bytes())
    assert (
        main(
            [
                "erase",
                str(tmp_path / "in"),
                "--mask",
                str(m),
                "--method",
                "telea",
                "-o",
                str(tmp_path / "local"),
            ]
        )
        == 0
    )
    cluster = LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
    )
    try:
        with Client(cluster) as client:
            summary = retouch.batch(
                "erase",
                "memory://retouch-test/in",
                "memory://retouch-test/out",
                mask="memory://retouch-test/m",
                method="telea",
                client=client,
            )
    finally:
        cluster.close()
        remote = {p: fs.cat_file(p) for p in fs.find("/retouch-test/out")}
        fs.rm("/retouch-test", recursive=True)
    assert summary.done == 3 and not summary.failed
    for path in inputs:
        assert (
            remote[f"/retouch-test/out/{path.name}"]
            == (tmp_path / "local" / path.name).read_bytes()
        )
    lines = remote["/retouch-test/out/retouch-manifest.jsonl"].decode().splitlines()
    assert sorted(json.loads(x)["input"] for x in lines) == [
        f"memory://retouch-test/in/{p.name}" for p in inputs
    ]
    assert not [p for p in remote if p.endswith(".part")]  # uploads moved into place


def test_dashboard_prints_its_address_on_127_0_0_1(tmp_path, capsys, dask_extra):
    from tests.conftest import need_module

    need_module("bokeh", "Dask draws its dashboard with bokeh: pip install -e '.[batch]'")
    inputs = photos(tmp_path / "in", 1)
    args = ["batch", "erase", str(tmp_path / "in"), "-o", str(tmp_path / "out")]
    code = main([*args, "--mask", str(masks(tmp_path / "m", inputs)), "--method", "telea",
                 "--workers", "1", "--dashboard"])  # fmt: skip
    assert code == 0
    line = next(x for x in capsys.readouterr().err.splitlines() if "dashboard" in x)
    assert "http://127.0.0.1:" in line, line
