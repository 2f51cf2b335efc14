"""A task declared once appears everywhere: the CLI, `retouch methods`, the HTTP API and
its OpenAPI schema. A toy "invert" task is declared here, in the test, and nowhere else."""

from __future__ import annotations

import json

import numpy as np
import pytest

import retouch
from retouch.core import registry, tasks
from retouch.core.errors import InputError
from retouch.core.io import read_image, write_image
from retouch.core.tasks import TaskSpec, all_tasks, declare_task, get_task, task_for_verb
from tests.conftest import stripes


@pytest.fixture
def invert(monkeypatch):
    """Declare the toy task and register its one method, undone after the test."""
    monkeypatch.setattr(tasks, "_TASKS", dict(tasks._TASKS))
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    all_tasks()  # the built-in tasks first, as a real run has them
    spec = declare_task(
        TaskSpec(
            name="invert",
            verb="invert",
            takes=("image",),
            returns="image",
            summary="the photographic negative",
        )
    )

    @registry.register("invert", "plain", "255 minus every channel", default=True)
    def plain(image: np.ndarray, *, strength: float = 1.0) -> np.ndarray:
        return (255 - image.astype(np.float32) * strength).clip(0, 255).astype(np.uint8)

    return spec


def test_the_builtin_tasks_are_declared_with_what_they_take_and_return():
    kinds = {t.verb: (t.name, t.kind) for t in all_tasks()}
    assert kinds["erase"] == ("inpaint", "edit")
    assert {kinds[v][1] for v in ("person", "face", "skin")} == {"segment"}
    assert task_for_verb("erase").name == "inpaint"
    assert get_task("skin").soft and get_task("face").promoted == ("part",)
    with pytest.raises(InputError, match="valid tasks"):
        get_task("nope")


def test_a_task_needs_a_valid_shape_and_a_free_verb(invert):
    with pytest.raises(ValueError, match="takes"):
        TaskSpec(name="x", verb="x", takes=("mask",), returns="image", summary="")
    with pytest.raises(ValueError, match="soft"):
        TaskSpec(name="x", verb="x", takes=("image",), returns="image", summary="", soft="?")
    with pytest.raises(RuntimeError, match="taken"):
        declare_task(
            TaskSpec(name="other", verb="invert", takes=("image",), returns="mask", summary="")
        )


def test_a_new_task_appears_in_the_cli_and_runs(invert, tmp_path, capsys):
    from retouch.cli.main import build_parser, main

    parser, _ = build_parser()
    assert "invert" in parser.format_help()
    write_image(tmp_path / "a.png", stripes())
    assert main(["invert", str(tmp_path / "a.png"), "-o", str(tmp_path / "b.png")]) == 0
    assert np.array_equal(read_image(tmp_path / "b.png"), 255 - stripes())
    args = ["invert", str(tmp_path / "a.png"), "-o", str(tmp_path / "c.png")]
    assert main([*args, "-O", "strength=abc"]) == 2
    assert "option strength must be a number" in capsys.readouterr().err


def test_a_new_task_appears_in_retouch_methods(invert, capsys):
    from retouch.cli.main import main

    assert main(["methods"]) == 0
    assert "plain" in capsys.readouterr().out
    assert main(["methods", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["methods"]
    toy = next(m for m in listed if m["task"] == "invert")
    assert toy["default"] and toy["options"]["strength"] == {"type": "number", "default": 1.0}


def test_a_new_task_appears_in_the_http_api_and_its_schema(invert):
    pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")
    from tests.server.conftest import decode, make_client, png

    with make_client() as client:
        schema = client.get("/openapi.json").json()
        assert "/api/v1/invert" in schema["paths"]
        catalogue = client.get("/api/v1/methods").json()["tasks"]
        assert catalogue["invert"]["kind"] == "transform"
        r = client.post("/api/v1/invert", files={"image": ("a.png", png(stripes()))})
        assert r.status_code == 200, r.text
        out, _ = decode(r.content)
        assert np.array_equal(out, 255 - stripes())


def test_segment_gives_uint8_masks_and_float_soft_maps_for_every_segmenter(rng):
    image = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    image[4:20, 4:20] = (200, 140, 110)
    for method in ("hsv", "ycrcb", "rgb-rule"):
        mask = retouch.segment("skin", image, method=method)
        soft = retouch.segment("skin", image, method=method, soft=True)
        assert mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 255} and mask.any()
        assert soft.dtype == np.float32 and soft.shape == mask.shape
        assert np.array_equal(soft >= 0.5, mask > 0)
    with pytest.raises(InputError, match="not a segmentation task"):
        retouch.segment("inpaint", image)
