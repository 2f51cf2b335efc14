"""Line art over HTTP as a designer wants it: SVG paths, or ink on a transparent sheet."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.server.conftest import png

pytest.importorskip("fastapi", reason="the HTTP API needs the serve extra: scripts/setup.sh serve")


@pytest.fixture(scope="module")
def drawing_input() -> np.ndarray:
    """White paper with one black bar (x 30-33, y 20-43): xdog draws it."""
    img = np.full((64, 64, 3), 255, np.uint8)
    img[20:44, 30:34] = 0
    return img


def post(client, verb: str, image: np.ndarray, **fields: str):
    data = {"method": "xdog", **fields} if verb == "lineart" else fields
    return client.post(f"/api/v1/{verb}", files={"image": ("i.png", png(image))}, data=data)


def test_svg_answers_the_strokes_as_paths(client, drawing_input):
    r = post(client, "lineart", drawing_input, format="svg")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    text = r.text
    assert text.startswith("<?xml") and 'width="64" height="64"' in text
    assert "<path d=" in text  # the bar was traced; a blank page has no path


def test_transparent_paper_is_clear_where_there_is_no_ink(client, drawing_input):
    r = post(client, "lineart", drawing_input, transparent="true", format="png")
    assert r.status_code == 200, r.text
    with Image.open(io.BytesIO(r.content)) as img:
        assert img.mode == "RGBA"
        rgba = np.asarray(img)
    assert rgba[2, 2, 3] == 0  # paper far from the bar: fully clear
    assert rgba[20:44, 28:36, 3].max() == 255  # the bar's ink is opaque
    assert rgba[..., :3].max() == 0  # the ink is black; its darkness is the alpha


@pytest.mark.parametrize(
    ("verb", "fields", "says"),
    [
        ("cartoon", {"format": "svg"}, "format=svg is for lineart only"),
        ("lineart", {"transparent": "true", "format": "jpeg"}, "transparent=true needs"),
    ],
)
def test_outputs_a_task_cannot_give_are_refused_plainly(client, drawing_input, verb, fields, says):
    r = post(client, verb, drawing_input, **fields)
    assert r.status_code == 422, r.text
    assert says in r.json()["error"]


def test_the_catalogue_says_which_tasks_draw_vectors_and_clear_paper(client):
    tasks = client.get("/api/v1/methods").json()["tasks"]
    assert tasks["lineart"]["vector"] is True and tasks["cartoon"]["vector"] is False
    assert tasks["lineart"]["transparent"] is True and tasks["erase"]["transparent"] is False


def test_a_trained_model_missing_here_is_a_422_that_says_how_to_make_one(
    client, drawing_input, tmp_path, monkeypatch
):
    from tests.lineart.test_trained import _invert_model

    monkeypatch.setenv("RETOUCH_MODEL_DIR", str(tmp_path))
    r = post(client, "lineart", drawing_input, method="trained", format="png")
    assert r.status_code == 422 and "retouch train pairs" in r.json()["error"], r.text
    r = post(client, "lineart", drawing_input, method="trained", options='{"model": "../x.onnx"}')
    assert r.status_code == 422, r.text
    _invert_model(tmp_path)
    r = post(client, "lineart", drawing_input, method="trained", format="png")
    assert r.status_code == 200, r.text
    with Image.open(io.BytesIO(r.content)) as img:
        assert np.asarray(img.convert("RGB"))[30, 31].tolist() == [255, 255, 255]  # inverted bar
