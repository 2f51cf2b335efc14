"""The person, face, skin, eval, train and methods commands, end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retouch.cli.main import main
from retouch.core.io import read_image, read_mask, write_image, write_mask

pytestmark = pytest.mark.usefixtures("segment_extra")


@pytest.fixture
def photo_file(tmp_path, photo):
    path = tmp_path / "in" / "photo.jpg"
    path.parent.mkdir()
    write_image(path, photo)
    return path


def test_methods_lists_the_segmenters(capsys):
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    for name in ("adaptive", "bayes", "hsv", "ycrcb", "rgb-rule", "selfie", "pose", "mesh"):
        assert name in out


@pytest.mark.parametrize(
    "command",
    [
        ["person"],
        ["person", "--soft"],
        ["face"],
        ["face", "--part", "lips"],
        ["skin"],
        ["skin", "--method", "hsv", "-O", "v_min=0.2"],
    ],
)
def test_mask_commands_write_full_size_masks(command, photo_file, photo, tmp_path):
    out = tmp_path / "mask.png"
    assert main([*command, str(photo_file), "-o", str(out)]) == 0
    mask = read_image(out)[..., 0]
    assert mask.shape == photo.shape[:2]
    if "--soft" not in command:
        assert set(np.unique(mask)) <= {0, 255}


def test_overlay_and_folders(photo_file, tmp_path):
    """A folder in, a folder of PNG overlays out: the photo tinted where the mask is."""
    from retouch.segment.refine import overlay

    (photo_file.parent / "notes.txt").write_text("not a photo")
    out = tmp_path / "overlays"
    assert main(["skin", str(photo_file.parent), "-o", str(out), "--overlay"]) == 0
    assert [p.name for p in out.iterdir()] == ["photo.png"]
    assert main(["skin", str(photo_file), "-o", str(tmp_path / "mask.png")]) == 0
    mask, rgb = read_mask(tmp_path / "mask.png"), read_image(photo_file)
    written = read_image(out / "photo.png")
    assert mask.any() and np.array_equal(written, overlay(rgb, mask))
    assert (written != rgb).any(axis=2).mean() > 0.8 * (mask > 0).mean()  # it shows the mask


@pytest.mark.quality
def test_person_cutout_has_a_soft_alpha(shared_data, photo_file, photo, tmp_path):
    """Needs a real person (the astronaut), hence the shared data."""
    from retouch.core.io import load_image

    out = tmp_path / "cutout.png"
    assert main(["person", str(photo_file), "-o", str(out), "--cutout"]) == 0
    loaded = load_image(out)
    assert loaded.alpha is not None and loaded.alpha.shape == photo.shape[:2]
    assert len(np.unique(loaded.alpha)) > 10  # soft edges, not 0/255
    assert main(["person", str(photo_file), "-o", str(tmp_path / "c.jpg"), "--cutout"]) == 2


def test_empty_result_is_said_not_crashed(tmp_path, grey, capsys):
    path = tmp_path / "grey.png"
    write_image(path, grey)
    assert main(["person", str(path), "-o", str(tmp_path / "m.png")]) == 0
    assert "no person found" in capsys.readouterr().err
    assert not read_mask(tmp_path / "m.png").any()


def test_bad_inputs(tmp_path, capsys):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    # one bad input file: an input error (exit 2); a batch with failures exits 1
    assert main(["skin", str(broken), "-o", str(tmp_path / "m.png")]) == 2
    assert "broken.jpg" in capsys.readouterr().err
    assert main(["face", str(tmp_path / "missing.jpg"), "-o", str(tmp_path / "m.png")]) == 2
    assert main(["skin", str(broken), "-o", str(tmp_path / "m.png"), "-O", "nope=1"]) == 2


def _skin_set(root, skin_patch):
    for sub in ("images", "masks"):
        (root / sub).mkdir(parents=True)
    for i in range(5):
        write_image(root / "images" / f"{i}.png", skin_patch)
        truth = np.zeros(skin_patch.shape[:2], np.uint8)
        truth[16:48, 16:48] = 255
        write_mask(root / "masks" / f"{i}.png", truth)
    return root


def test_eval_prints_a_table_and_writes_json(tmp_path, skin_patch, capsys):
    data = _skin_set(tmp_path / "set", skin_patch)
    report = tmp_path / "scores.json"
    code = main(
        [
            "eval",
            "skin",
            "--data",
            str(data),
            "--method",
            "ycrcb",
            "--method",
            "hsv",
            "--json",
            str(report),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "mIoU" in out and "ycrcb" in out and "hsv" in out
    scores = json.loads(report.read_text())
    assert scores[0]["mean_iou"] == pytest.approx(1.0) and len(scores[0]["per_image"]) == 5


def test_train_skin_colour_writes_a_table_and_record(tmp_path, skin_patch, monkeypatch):
    data = _skin_set(tmp_path / "set", skin_patch)
    table = tmp_path / "table.npz"
    assert main(["train", "skin-colour", "--data", str(data), "-o", str(table)]) == 0
    record = json.loads(table.with_suffix(".json").read_text())
    assert record["images"] == 5 and len(record["sha256"]) == 64
    from retouch.segment.skin import bayes

    bayes.load_table.cache_clear()
    bayes._lookup.cache_clear()
    monkeypatch.setenv("RETOUCH_SKIN_TABLE", str(table))
    try:
        mask = bayes.bayes(skin_patch)
        assert mask[20:44, 20:44].all() and not mask[:10].any()
    finally:
        monkeypatch.delenv("RETOUCH_SKIN_TABLE")
        bayes.load_table.cache_clear()
        bayes._lookup.cache_clear()
