"""remove-people everywhere its task record puts it: the command, the HTTP route, the
promoted flags of the command line (tested on a toy task), the bench and eval wiring."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from retouch.cli.main import main
from retouch.cli.task_cli import add_promoted_flag, method_options
from retouch.core.io import read_image, read_mask, write_image
from retouch.core.options import option_specs
from retouch.core.tasks import get_task
from tests.conftest import need_module
from tests.people.conftest import scene

OPTS = ["-O", "fill=telea", "-O", "walkers=false"]


@pytest.fixture
def photo(tmp_path):
    image, labels = scene()
    write_image(tmp_path / "a.png", image)
    return tmp_path / "a.png", image, labels


def test_the_task_is_an_edit_that_finds_its_own_mask():
    spec = get_task("people")
    assert (spec.verb, spec.kind, spec.detects, spec.needs_mask) == (
        "remove-people",
        "edit",
        "people's area",
        False,
    )


def test_the_command_removes_only_the_mask_it_saves(photo, tmp_path, fake_people):
    path, image, labels = photo
    out, masks = tmp_path / "out.png", tmp_path / "masks"
    args = ["remove-people", str(path), "-o", str(out), "--save-mask", str(masks), *OPTS]
    assert main([*args, "--keep-largest"]) == 0
    mask, result = read_mask(masks / "a.png"), read_image(out)
    assert mask[labels == 2].all() and not mask[labels == 1].any()
    assert np.array_equal(result[mask == 0], image[mask == 0])
    assert not np.array_equal(result[labels == 2], image[labels == 2])
    only = tmp_path / "m.png"
    assert main(["remove-people", str(path), "-o", str(only), "--mask-only", *OPTS]) == 0
    assert read_mask(only)[labels > 0].all()
    picked = ["--select", "70,30", "--select", "24,30", "--mask-only", "--overwrite"]
    assert main(["remove-people", str(path), "-o", str(only), *OPTS, *picked]) == 0
    assert read_mask(only)[labels > 0].all()
    assert (
        main(["remove-people", str(path), "-o", str(only), *OPTS, *picked[4:], "--keep", "2"]) == 0
    )
    assert not read_mask(only).any()


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--keep", "-2"], "option keep must be a whole number"),
        (["--keep", "two"], "option keep must be a whole number"),
        (["--select", "12;x"], "option select must be text like"),
        (["--keep-largest", "--select", "3,4"], "cannot go with keep"),
        (["--select", "500,5"], "outside the 96x64 photo"),
        (["-O", "select=1,1"], "no person at 1,1"),
    ],
)
def test_bad_values_are_one_line_exit_2_and_nothing_is_overwritten(
    photo, tmp_path, capsys, fake_people, extra, says
):
    path, _, _ = photo
    out = tmp_path / "out.png"
    out.write_bytes(b"keep me")
    args = ["remove-people", str(path), "-o", str(out), "--overwrite", *OPTS, *extra]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and "Traceback" not in err[0]
    assert out.read_bytes() == b"keep me"


def test_promoted_flags_of_any_kind_reach_the_method():
    def toy(image, *, keep_largest: bool = False, keep: int = 0, select: str = "", part="a"):
        return image

    specs = option_specs(toy)
    p = argparse.ArgumentParser()
    for name in ("keep_largest", "keep", "select"):
        add_promoted_flag(p, name, specs[name])
    args = p.parse_args(["--keep-largest", "--keep", "3", "--select", "1,2", "--select", "3,4"])
    assert (args.promoted_keep_largest, args.promoted_keep) == (True, "3")
    assert args.promoted_select == ["1,2", "3,4"]
    assert p.parse_args([]).promoted_select is None
    args.option, args.method = [], "segment-fill"
    spec = type("Spec", (), {"name": "people", "promoted": ("keep_largest", "keep", "select")})
    assert method_options(args, spec) == {"keep_largest": True, "keep": "3", "select": "1,2 3,4"}


def test_the_http_route_detects_removes_and_refuses_bad_values(photo, fake_people):
    need_module("fastapi", "pip install -e '.[serve]'")
    from tests.server.conftest import decode, make_client, png

    _, image, labels = photo
    fast = {"options": '{"fill": "telea", "walkers": false}'}
    with make_client() as client:
        url, files = "/api/v1/remove-people", {"image": ("a.png", png(image))}
        r = client.post(url, files=files, data={**fast, "mask_only": "true"})
        assert r.status_code == 200, r.text
        mask, _ = decode(r.content)
        mask = mask if mask.ndim == 2 else mask[..., 0]
        assert mask[labels > 0].all()
        r = client.post(url, files=files, data={**fast, "select": "70,30"})
        out, _ = decode(r.content)
        assert r.status_code == 200 and np.array_equal(out[labels == 1], image[labels == 1])
        assert not np.array_equal(out[labels == 2], image[labels == 2])
        r = client.post(url, files=files, data={**fast, "keep_largest": "true"})
        out, _ = decode(r.content)
        assert r.status_code == 200 and np.array_equal(out[labels == 1], image[labels == 1])
        for field, bad, says in (
            ("keep", "-1", "keep"),
            ("select", "x", "option select"),
            ("select", "500,5", "outside the 96x64 photo"),
        ):
            r = client.post(url, files=files, data={**fast, field: bad})
            assert r.status_code == 422 and says in r.json()["error"], r.text
        catalogue = client.get("/api/v1/methods").json()["tasks"]["remove-people"]
        assert catalogue["detects"] == "people's area" and catalogue["default"] == "segment-fill"
        assert set(catalogue["promoted"]) == {"keep_largest", "keep", "select"}


def test_the_bench_and_eval_commands_are_wired(capsys):
    assert main(["bench", "people", "--megapixels", "99", "--data", "/nonexistent"]) == 2
    assert "--megapixels must be" in capsys.readouterr().err
    assert main(["eval", "people", "--data", "/nonexistent"]) == 2
    assert "needs person/dev/images" in capsys.readouterr().err
