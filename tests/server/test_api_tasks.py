"""Every endpoint answering a good request: results, formats, methods list, docs."""

import concurrent.futures
import json
import tempfile

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")

from retouch.core.registry import create, list_methods
from retouch.core.tasks import all_tasks
from tests.server.conftest import decode, png


def _erase(client, image, mask, **fields):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    headers = fields.pop("headers", {})
    return client.post("/api/v1/erase", files=files, data=fields, headers=headers)


def test_erase_fills_the_mask_and_keeps_every_other_pixel(client, image, mask):
    r = _erase(client, image, mask, method="patchmatch", seed=3)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    out, fmt = decode(r.content)
    assert fmt == "PNG" and out.shape == image.shape
    assert np.array_equal(out[mask == 0], image[mask == 0])
    assert not (out[34:46, 34:42] == 255).all(axis=2).any()  # the blemish is gone


def test_erase_dilate_grows_the_changed_area(client, image, mask):
    out, _ = decode(_erase(client, image, mask, method="telea", dilate=4).content)
    grown = np.zeros_like(mask)
    grown[26:54, 26:50] = 255
    assert np.array_equal(out[grown == 0], image[grown == 0])
    assert not np.array_equal(out[(grown > 0) & (mask == 0)], image[(grown > 0) & (mask == 0)])


def test_erase_is_deterministic_for_a_seed(client, image, mask):
    a = _erase(client, image, mask, seed=7).content
    assert a == _erase(client, image, mask, seed=7).content


@pytest.mark.parametrize(
    ("fields", "headers", "fmt"),
    [
        ({"format": "jpeg"}, {}, "JPEG"),
        ({"format": "jpg"}, {"accept": "image/png"}, "JPEG"),
        ({}, {"accept": "image/jpeg"}, "JPEG"),
        ({}, {"accept": "image/png;q=0.4, image/jpeg;q=0.9"}, "JPEG"),
        ({}, {"accept": "image/*"}, "PNG"),
        ({}, {"accept": "*/*"}, "PNG"),
        ({"format": "png"}, {"accept": "image/jpeg"}, "PNG"),
    ],
)
def test_erase_answers_in_the_asked_format(client, image, mask, fields, headers, fmt):
    r = _erase(client, image, mask, method="telea", headers=headers, **fields)
    out, got = decode(r.content)
    assert r.status_code == 200 and got == fmt and out.shape == image.shape
    assert r.headers["content-type"] == {"PNG": "image/png", "JPEG": "image/jpeg"}[fmt]


def test_erase_with_an_empty_mask_returns_the_image(client, image):
    out, _ = decode(_erase(client, image, np.zeros(image.shape[:2], np.uint8)).content)
    assert np.array_equal(out, image)


def test_erase_keeps_alpha_in_png(client, image, mask):
    from retouch.core.io import encode_image

    alpha = np.full(image.shape[:2], 255, np.uint8)
    alpha[:5] = 0
    files = {"image": ("a", encode_image(image, "PNG", alpha=alpha)), "mask": ("m", png(mask))}
    out, _ = decode(client.post("/api/v1/erase", files=files, data={"method": "telea"}).content)
    assert out.shape == (*image.shape[:2], 4) and np.array_equal(out[:, :, 3], alpha)


def test_upload_is_read_by_content_not_name(client, image, mask):
    from retouch.core.io import encode_image

    files = {
        "image": ("photo.txt", encode_image(image, "JPEG"), "text/plain"),
        "mask": ("mask.jpg", encode_image(mask, "BMP"), "image/jpeg"),
    }
    assert client.post("/api/v1/erase", files=files).status_code == 200


def _segment(client, task, image, **fields):
    return client.post(f"/api/v1/{task}", files={"image": ("a.png", png(image))}, data=fields)


@pytest.mark.parametrize(
    ("task", "fields"),
    [
        ("person", {"method": "selfie"}),
        ("face", {"part": "all"}),
        ("face", {"method": "mesh", "part": "lips"}),
        ("skin", {"method": "adaptive"}),
        ("skin", {"method": "bayes", "format": "jpeg"}),
    ],
)
def test_segment_returns_a_mask_of_the_image_size(
    client, mediapipe_installed, portrait, task, fields
):
    image, real = portrait
    r = _segment(client, task, image, **fields)
    assert r.status_code == 200, r.text
    out, fmt = decode(r.content)
    assert out.shape == image.shape[:2] and fmt == ("JPEG" if "format" in fields else "PNG")
    if fmt == "PNG":  # the very mask the library makes
        options = {k: v for k, v in fields.items() if k not in ("method", "format")}
        assert np.array_equal(out, create(task, fields.get("method"), **options)(image))
    if real:  # the astronaut: a person, a face, lips and skin are there to be found
        assert (out > 127).any()


def test_methods_lists_every_task_from_the_registries(client):
    r = client.get("/api/v1/methods")
    assert r.status_code == 200
    tasks = r.json()["tasks"]
    assert sorted(tasks) == sorted(spec.verb for spec in all_tasks())
    assert {"cartoon", "erase", "face", "lineart", "person", "skin", "tattoo"} <= set(tasks)
    for task, registry in [("erase", "inpaint"), ("person", "person"), ("skin", "skin")]:
        names = [m["name"] for m in tasks[task]["methods"]]
        assert names == [m.name for m in list_methods(registry)]
        assert tasks[task]["choices"]["method"] == names and tasks[task]["default"] == names[0]
    assert "lips" in tasks["face"]["choices"]["part"]
    assert tasks["erase"]["endpoint"] == "/api/v1/erase"


def test_openapi_documents_the_endpoints_and_enums(client):
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/v1/methods", "/api/v1/erase", "/api/v1/face"} <= set(schema["paths"])
    body = schema["components"]["schemas"]["Body_erase_api_v1_erase_post"]
    assert body["properties"]["method"]["enum"] == [m.name for m in list_methods("inpaint")]
    assert body["required"] == ["image", "mask"]


def test_concurrent_requests_get_their_own_results(client, image, mask):
    def one(seed: int) -> bytes:
        return _erase(client, image, mask, seed=seed % 2).content

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(8)))
    assert len({results[0], results[2], results[4], results[6]}) == 1
    assert len({results[1], results[3], results[5], results[7]}) == 1
    out, _ = decode(results[1])
    assert np.array_equal(out[mask == 0], image[mask == 0])


def test_no_temporary_files_are_left(client, mask, monkeypatch, tmp_path, rng):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    noise = rng.integers(0, 256, (96, 80, 3), dtype=np.uint8)
    big = png(noise) + b"\0" * 1_200_000  # over Starlette's 1 MB in-memory spool
    files = {"image": ("a.png", big), "mask": ("m.png", png(mask))}
    r = client.post("/api/v1/erase", files=files, data={"method": "telea"})
    assert r.status_code == 200 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_erase_keeps_the_exif_of_the_photo(client, image, mask, fmt):
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = "A. Photographer"  # Artist
    exif[0x010F] = "RetouchCam"  # Make
    photo = io.BytesIO()
    Image.fromarray(image).save(photo, format="JPEG", quality=95, exif=exif.tobytes())
    files = {"image": ("a.jpg", photo.getvalue()), "mask": ("m.png", png(mask))}
    r = client.post("/api/v1/erase", files=files, data={"method": "telea", "format": fmt})
    assert r.status_code == 200, r.text
    with Image.open(io.BytesIO(r.content)) as out:
        assert out.format == fmt.upper()
        tags = out.getexif()
    assert tags.get(0x013B) == "A. Photographer" and tags.get(0x010F) == "RetouchCam"


def test_a_promoted_option_sent_in_the_options_json_is_used(client, mediapipe_installed, portrait):
    """``part`` may come as its own field or inside ``options``; a field left out does not
    put its default over the JSON's value, and a field that is sent wins."""
    image, real = portrait
    as_field = _segment(client, "face", image, method="mesh", part="lips")
    in_json = _segment(client, "face", image, method="mesh", options=json.dumps({"part": "lips"}))
    both = _segment(
        client, "face", image, method="mesh", part="lips", options=json.dumps({"part": "skin"})
    )
    assert as_field.status_code == in_json.status_code == both.status_code == 200
    lips = decode(as_field.content)[0]
    assert np.array_equal(decode(in_json.content)[0], lips)
    assert np.array_equal(decode(both.content)[0], lips)
    if real:  # the astronaut's lips are a small part of her face's skin
        skin = decode(_segment(client, "face", image, method="mesh", part="skin").content)[0]
        assert (lips > 127).any() and not np.array_equal(lips, skin)
