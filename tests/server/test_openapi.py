"""The OpenAPI schema tells the truth, and the task endpoints built from the records take
the method's options: every status is documented with the JSON error schema."""

import json

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")

from retouch.core.registry import create
from retouch.core.tasks import all_tasks
from retouch.server.tasks import SVG_TASKS
from tests.server.conftest import decode, png


@pytest.fixture(scope="module")
def schema(client):
    return client.get("/openapi.json").json()


def _operations(schema):
    for path, ops in schema["paths"].items():
        for verb, op in ops.items():
            yield path, verb, op


def test_every_task_has_an_endpoint(schema):
    for spec in all_tasks():
        assert f"/api/v1/{spec.verb}" in schema["paths"]


def test_every_error_response_has_the_error_schema(schema):
    for path, verb, op in _operations(schema):
        for code, response in op["responses"].items():
            if int(code) < 400:
                continue
            content = response.get("content", {}).get("application/json", {})
            assert content.get("schema") == {"$ref": "#/components/schemas/ErrorBody"}, (
                path,
                verb,
                code,
            )
    body = schema["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["error"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_images_are_answered_as_images_only_and_format_is_never_null(schema):
    for spec in all_tasks():
        op = schema["paths"][f"/api/v1/{spec.verb}"]["post"]
        vector = {"image/svg+xml"} if spec.name in SVG_TASKS else set()
        assert set(op["responses"]["200"]["content"]) == {"image/png", "image/jpeg"} | vector
        ref = op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
        fields = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
        assert "null" not in json.dumps(fields["format"]) and "anyOf" not in fields["format"]
        assert "options" in fields and "method" in fields


def test_404_and_405_are_documented(schema):
    other = schema["paths"]["/api/v1/{task}"]
    for verb in ("get", "post"):
        assert {"404", "405"} <= set(other[verb]["responses"])
        assert "200" not in other[verb]["responses"]


def test_options_field_reaches_the_method(client, image):
    options = {"cr_min": 120, "cr_max": 200, "cb_min": 0, "cb_max": 255}
    r = client.post(
        "/api/v1/skin",
        files={"image": ("a.png", png(image))},
        data={"method": "ycrcb", "options": json.dumps(options)},
    )
    assert r.status_code == 200, r.text
    mask, _ = decode(r.content)
    expected = create("skin", "ycrcb", **options)(image)
    assert np.array_equal(mask[..., 0] if mask.ndim == 3 else mask, expected)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ('{"cr_min": "abc"}', "option cr_min must be a whole number"),
        ('{"cr_min": 999}', "from 0 to 255"),
        ('{"nope": 1}', "valid options"),
        ("[1, 2]", "JSON object"),
        ("{not json", "JSON object"),
        ("[" * 100_000, "JSON object"),  # nested too deep for the JSON decoder
        ('{"cr_min": 1e999}', "option cr_min must be a whole number"),
        ('{"cr_min": [140]}', "option cr_min: the API takes a number"),
        ('{"cr_min": {"x": 1}}', "option cr_min: the API takes a number"),
    ],
)
def test_bad_options_are_422_with_one_line(client, image, options, words):
    r = client.post(
        "/api/v1/skin",
        files={"image": ("a.png", png(image))},
        data={"method": "ycrcb", "options": options},
    )
    assert r.status_code == 422 and words in r.json()["error"], r.text


@pytest.mark.parametrize(
    "options", ['{"source": [1, 2]}', '{"source": {"a": 1}}', '{"source": "m"}']
)
def test_array_options_cannot_come_through_the_api(client, image, mask, options):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    r = client.post("/api/v1/erase", files=files, data={"options": options})
    assert r.status_code == 422 and "source" in r.json()["error"], r.text


def test_patch_size_option_of_erase_is_checked_and_used(client, mask):
    noise = np.random.default_rng(5).integers(0, 256, (*mask.shape, 3), dtype=np.uint8)
    files = {"image": ("a.png", png(noise)), "mask": ("m.png", png(mask))}
    bad = client.post("/api/v1/erase", files=files, data={"options": '{"patch_size": 4}'})
    assert bad.status_code == 422 and "patch_size" in bad.json()["error"]
    small = client.post("/api/v1/erase", files=files, data={"options": '{"patch_size": 3}'})
    large = client.post("/api/v1/erase", files=files, data={"options": '{"patch_size": 11}'})
    assert small.status_code == large.status_code == 200
    assert not np.array_equal(decode(small.content)[0], decode(large.content)[0])


def test_soft_output_is_an_8bit_map(client, image):
    files = {"image": ("a.png", png(image))}
    hard = decode(client.post("/api/v1/skin", files=files, data={"method": "bayes"}).content)[0]
    soft = client.post("/api/v1/skin", files=files, data={"method": "bayes", "soft": "true"})
    assert soft.status_code == 200
    levels = np.unique(decode(soft.content)[0])
    assert len(levels) > 2 and set(np.unique(hard)) <= {0, 255}


def test_the_method_cache_is_bounded():
    from retouch.server import ServerSettings
    from retouch.server.engine import METHOD_CACHE, Engine

    engine = Engine(ServerSettings())
    first = engine.method("skin", "ycrcb", cr_min=0)
    assert engine.method("skin", "ycrcb", cr_min=0) is first  # built once, reused
    for value in range(1, METHOD_CACHE + 10):
        engine.method("skin", "ycrcb", cr_min=value)
    assert len(engine._methods) == METHOD_CACHE
    assert engine.method("skin", "ycrcb", cr_min=0) is not first  # the oldest went first
