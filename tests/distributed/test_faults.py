"""Nothing is lost: a killed worker, an interrupted run, a corrupt photo, a changed input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import retouch
from retouch.cli.main import main
from retouch.core.io import read_image, write_image
from retouch.distributed.storage import sha256_file
from tests.distributed import slow_task
from tests.distributed.conftest import manifest, masks, photos

REPO = Path(__file__).resolve().parents[2]


def _inverted_exactly(records: list[dict]) -> None:
    """Each ok record's output is 255 - its input (the test-sleep task, PNG: lossless)."""
    for r in records:
        assert np.array_equal(read_image(r["output"]), 255 - read_image(r["input"])), r["input"]


def test_a_worker_killed_mid_photo_has_its_photos_done_elsewhere_once(tmp_path, sleepy):
    from retouch.distributed.cluster import open_client

    inputs = photos(tmp_path / "in", 8)
    killed: dict = {}
    with open_client(workers=2, retries=3) as client:
        client.register_plugin(slow_task.Install())
        pids = client.run(os.getpid)

        def kill_a_busy_worker(record: dict) -> None:
            if killed:
                return
            busy = {w: keys for w, keys in client.processing().items() if keys and w in pids}
            victim = sorted(busy)[0]
            os.kill(pids[victim], signal.SIGKILL)
            killed.update(worker=victim, keys=list(busy[victim]))

        summary = retouch.batch(
            sleepy,
            tmp_path / "in",
            tmp_path / "out",
            client=client,
            seconds=0.5,
            progress=kill_a_busy_worker,
        )
        alive = set(client.run(os.getpid).values())
    assert killed["keys"], "the killed worker had a photo in hand"
    assert pids[killed["worker"]] not in alive
    assert summary.done == len(inputs) and not summary.failed
    records = manifest(tmp_path / "out")
    assert Counter(r["input"] for r in records) == Counter(str(p) for p in inputs)
    assert {r["status"] for r in records} == {"ok"}
    in_hand = {int(str(key).rsplit("-", 1)[1]) for key in killed["keys"]}
    for r in records:
        if inputs.index(Path(r["input"])) in in_hand:
            assert r["worker"] != killed["worker"]  # finished by another worker
    _inverted_exactly(records)


def test_an_interrupted_run_resumes_with_only_the_missing_photos(tmp_path, client, sleepy):
    inputs = photos(tmp_path / "in", 8)
    seen: list[dict] = []

    def interrupt_after_three(record: dict) -> None:
        seen.append(record)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        retouch.batch(
            sleepy,
            tmp_path / "in",
            tmp_path / "out",
            client=client,
            seconds=0.2,
            progress=interrupt_after_three,
        )
    first = manifest(tmp_path / "out")
    assert len(first) == 3 and {r["status"] for r in first} == {"ok"}
    summary = retouch.batch(
        sleepy, tmp_path / "in", tmp_path / "out", client=client, seconds=0.2, resume=True
    )
    assert (summary.skipped, summary.done, summary.failed) == (3, 5, [])
    records = manifest(tmp_path / "out")
    assert Counter(r["input"] for r in records) == Counter(str(p) for p in inputs)
    assert {r["input"] for r in records[3:]} == {str(p) for p in inputs} - {
        r["input"] for r in first
    }
    _inverted_exactly(records)


def test_a_changed_input_is_redone_on_resume_and_the_rest_skipped(tmp_path, client, sleepy):
    inputs = photos(tmp_path / "in", 3)
    args = (sleepy, tmp_path / "in", tmp_path / "out")
    assert retouch.batch(*args, client=client, seconds=0).done == 3
    write_image(inputs[1], 255 - read_image(inputs[1]))  # the photo was edited since
    (tmp_path / "out" / "p002.png").write_bytes(b"damaged")  # and an output was spoilt
    summary = retouch.batch(*args, client=client, seconds=0, resume=True)
    assert (summary.done, summary.skipped) == (2, 1)
    records = manifest(tmp_path / "out")
    assert sorted(Path(r["input"]).name for r in records[3:]) == ["p001.png", "p002.png"]
    redone = {Path(r["input"]).name: r for r in records[3:]}
    assert redone["p001.png"]["input_sha256"] == sha256_file(inputs[1])
    _inverted_exactly(records[3:])
    changed = retouch.batch(*args, client=client, seconds=0.01, resume=True)
    assert changed.done == 3  # other options: nothing of the earlier run counts


def test_a_corrupt_photo_is_recorded_failed_and_the_rest_done(tmp_path, capsys):
    inputs = photos(tmp_path / "in", 4, ext=".jpg")
    (tmp_path / "in" / "bad.jpg").write_bytes(b"this is not a jpeg")
    (tmp_path / "in" / "cut.jpg").write_bytes(inputs[0].read_bytes()[:300])
    mask_dir = masks(tmp_path / "masks", inputs)
    for name in ("bad", "cut"):
        (mask_dir / f"{name}.png").write_bytes((mask_dir / "p000.png").read_bytes())
    code = main(
        [
            "batch",
            "erase",
            str(tmp_path / "in"),
            "-o",
            str(tmp_path / "out"),
            "--mask",
            str(mask_dir),
            "--method",
            "telea",
            "--workers",
            "2",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    records = {Path(r["input"]).name: r for r in manifest(tmp_path / "out")}
    assert len(records) == 6
    for name in ("bad.jpg", "cut.jpg"):
        assert records[name]["status"] == "failed" and records[name]["error"]
        assert "\n" not in records[name]["error"] and records[name]["error"] in err
        assert not (tmp_path / "out" / name).exists()
    for path in inputs:
        assert records[path.name]["status"] == "ok" and (tmp_path / "out" / path.name).is_file()
    assert "4 done, 0 skipped, 2 failed of 6 photos" in err


def _batch_process(args: list[str]) -> subprocess.Popen:
    code = (
        "import sys; import tests.distributed.slow_task as s; s.install()\n"
        "from retouch.cli.main import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {**os.environ, **slow_task.PRELOAD, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", code, "batch", slow_task.NAME, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job is
    )


def test_ctrl_c_exits_130_with_the_manifest_whole_and_resume_finishes(tmp_path, dask_extra):
    inputs = photos(tmp_path / "in", 12)
    args = [str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-O", "seconds=0.3"]
    proc = _batch_process([*args, "--workers", "1"])
    try:
        deadline = time.monotonic() + 60
        log = tmp_path / "out" / "retouch-manifest.jsonl"
        while time.monotonic() < deadline and proc.poll() is None:
            if log.is_file() and log.read_text().count("\n") >= 2:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the client and its worker processes
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err  # the workers leave it to the client
    first = manifest(tmp_path / "out")  # every line parses: none was cut
    assert 2 <= len(first) < len(inputs) and {r["status"] for r in first} == {"ok"}
    again = _batch_process([*args, "--workers", "2", "--resume"])
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    records = manifest(tmp_path / "out")
    assert Counter(r["input"] for r in records) == Counter(str(p) for p in inputs)
    _inverted_exactly(records)
