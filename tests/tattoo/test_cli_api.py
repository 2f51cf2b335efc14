"""The tattoo task everywhere its record puts it: the command, the HTTP route, eval, bench."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.cli.main import main
from retouch.core.io import read_image, read_mask, write_image, write_mask
from retouch.core.tasks import TaskSpec, get_task
from retouch.tattoo.evaluate import box_scores, read_boxes
from tests.conftest import need_module
from tests.tattoo.conftest import FAST, skin_patch, with_line

OPTS = [x for k, v in FAST.items() for x in ("-O", f"{k}={str(v).lower()}")]


@pytest.fixture
def photo(tmp_path):
    image, line = with_line(skin_patch())
    write_image(tmp_path / "a.png", image)
    return tmp_path / "a.png", image, line


def test_the_task_is_an_edit_that_finds_its_own_mask():
    spec = get_task("tattoo")
    assert (spec.kind, spec.detects, spec.needs_mask) == ("edit", "tattoo ink", False)
    assert get_task("inpaint").needs_mask
    with pytest.raises(ValueError, match="detects"):
        TaskSpec(name="x", verb="x", takes=("image",), returns="image", summary="", detects="?")


def test_the_command_removes_only_the_mask_it_saves(photo, tmp_path):
    path, image, line = photo
    out, masks = tmp_path / "out.png", tmp_path / "masks"
    assert main(["tattoo", str(path), "-o", str(out), "--save-mask", str(masks), *OPTS]) == 0
    mask = read_mask(masks / "a.png")
    result = read_image(out)
    assert mask[line].all() and np.array_equal(result[mask == 0], image[mask == 0])
    assert not np.array_equal(result[line], image[line])
    assert path.read_bytes() == (tmp_path / "a.png").read_bytes()  # the input untouched


def test_mask_only_writes_the_detected_mask_and_a_given_mask_replaces_it(photo, tmp_path):
    path, image, line = photo
    assert main(["tattoo", str(path), "-o", str(tmp_path / "m.png"), "--mask-only", *OPTS]) == 0
    mask = read_mask(tmp_path / "m.png")
    assert set(np.unique(mask)) == {0, 255} and mask[line].all()
    mine = np.zeros_like(mask)
    mine[5:12, 5:12] = 255
    write_mask(tmp_path / "mine.png", mine)
    out = tmp_path / "o.png"
    assert (
        main(["tattoo", str(path), "-o", str(out), "--mask", str(tmp_path / "mine.png"), *OPTS])
        == 0
    )
    assert np.array_equal(read_image(out)[mine == 0], image[mine == 0])


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["-O", "grow_pct=9"], "option grow_pct must be a number from 0 to 5"),
        (["-O", "fill=magic"], "option fill must be one of"),
        (["--mask-only", "-o", "m.jpg"], "lossless"),
        (["--mask", "bad.png"], "not an image"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(photo, tmp_path, capsys, monkeypatch, extra, says):
    path, _, _ = photo
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.png").write_bytes(b"not a png")
    args = ["tattoo", str(path), "-o", "out.png", *OPTS, *extra]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and "Traceback" not in err[0]


def test_a_corrupt_photo_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "x.jpg").write_bytes(b"\xff\xd8\xff garbage")
    assert main(["tattoo", str(tmp_path / "x.jpg"), "-o", str(tmp_path / "y.jpg"), *OPTS]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("retouch: error:")


def test_the_http_route_detects_removes_and_refuses_bad_values(photo):
    need_module("fastapi", "pip install -e '.[serve]'")
    from tests.server.conftest import decode, make_client, png

    _, image, line = photo
    options = {"options": '{"skin": "hsv", "faces": false}'}
    with make_client() as client:
        r = client.post(
            "/api/v1/tattoo",
            files={"image": ("a.png", png(image))},
            data={**options, "mask_only": "true"},
        )
        assert r.status_code == 200, r.text
        mask, _ = decode(r.content)
        mask = mask if mask.ndim == 2 else mask[..., 0]
        assert mask[line].all()
        r = client.post("/api/v1/tattoo", files={"image": ("a.png", png(image))}, data=options)
        out, _ = decode(r.content)
        assert r.status_code == 200 and np.array_equal(out[mask == 0], image[mask == 0])
        r = client.post(
            "/api/v1/tattoo",
            files={"image": ("a.png", png(image))},
            data={"options": '{"grow_pct": 9}'},
        )
        assert r.status_code == 422 and "option grow_pct" in r.json()["error"]
        r = client.post(
            "/api/v1/tattoo", files={"image": ("a.png", png(image)), "mask": ("m.png", b"junk")}
        )
        assert r.status_code == 400 and "mask" in r.json()["error"]
        catalogue = client.get("/api/v1/methods").json()["tasks"]["tattoo"]
        assert catalogue["detects"] == "tattoo ink" and catalogue["default"] == "detect-fill"


def test_box_scores_by_hand(tmp_path):
    mask = np.zeros((20, 20), np.uint8)
    mask[0:10, 0:10] = 255  # 100 px, 50 of them in the first box
    boxes = [(0, 5, 10, 15), (15, 15, 20, 20)]
    assert box_scores(mask, boxes) == {"boxes": 2, "hits": 1, "mask_px": 100, "in_box_px": 50}
    (tmp_path / "b.txt").write_text("1 2 3 4\n\n5 6 7 8")
    assert read_boxes(tmp_path / "b.txt") == [(1, 2, 3, 4), (5, 6, 7, 8)]


def test_eval_scores_synthetic_pairs_and_boxed_photos(skin_folder, tmp_path, capsys):
    from retouch.tattoo.synth import synthesise

    synthesise(skin_folder, tmp_path / "pairs", count=2, seed=3)
    # OPTS are classical-fill's options (every method is scored without --method).
    only = ["--method", "classical-fill"]
    assert main(["eval", "tattoo", "--data", str(tmp_path / "pairs"), *only, *OPTS]) == 0
    out = capsys.readouterr().out
    assert "IoU" in out and "holePSNR" in out and "classical-fill" in out
    image, _ = with_line(skin_patch())
    for sub in ("images", "boxes"):
        (tmp_path / "real" / sub).mkdir(parents=True)
    write_image(tmp_path / "real" / "images" / "k.jpg", image)
    (tmp_path / "real" / "boxes" / "k.txt").write_text("8 26 56 36")
    assert main(["eval", "tattoo", "--data", str(tmp_path / "real"), *only, *OPTS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "hit rate" in lines[0] and lines[1].split()[3] == "1.000"
    assert main(["eval", "tattoo", "--data", str(tmp_path)]) == 2


def test_bench_gives_numbers_for_a_photo(tmp_path):
    from retouch.bench import tattoo

    image, _ = with_line(skin_patch(96, 96))
    write_image(tmp_path / "p.jpg", image)
    rows = tattoo.run([tmp_path / "p.jpg"], megapixels=0.02)
    assert rows[0]["width"] * rows[0]["height"] == pytest.approx(20_000, rel=0.05)
    assert rows[0]["end_to_end_s"] > 0 and "median" in tattoo.format_table(rows)
