"""Every bad request gets a 4xx (or 503) with a JSON body {"error": "..."}, never a 500."""

import io

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")

from retouch.core.io import encode_image
from retouch.core.tasks import all_tasks
from tests.server.conftest import make_client, png


def _error(response, status: int, *words: str) -> str:
    """The response's error message, after checking its status, type and wording."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body["error"], str) and "Traceback" not in body["error"]
    for word in words:
        assert word in body["error"], body["error"]
    return body["error"]


def _erase(client, image: bytes, mask: bytes, **fields):
    files = {"image": ("a.png", image), "mask": ("m.png", mask)}
    return client.post("/api/v1/erase", files=files, data=fields)


@pytest.mark.parametrize(
    ("which", "data", "words"),
    [
        ("image", b"not an image at all, just some text", ("image", "not an image")),
        ("mask", b"%PDF-1.4 fake document", ("mask", "not an image")),
        ("image", b"", ("image", "empty")),
        ("mask", b"", ("mask", "empty")),
    ],
)
def test_unreadable_uploads_are_400(client, image, mask, which, data, words):
    uploads = {"image": png(image), "mask": png(mask), which: data}
    _error(_erase(client, uploads["image"], uploads["mask"]), 400, *words)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_400(client, image, mask, fmt):
    data = encode_image(image, fmt)
    _error(_erase(client, data[: len(data) // 2], png(mask)), 400, "image", "truncated")


def test_unsupported_format_is_400(client, image, mask):
    from PIL import Image

    gif = io.BytesIO()
    Image.fromarray(image).save(gif, format="GIF")
    _error(_erase(client, gif.getvalue(), png(mask)), 400, "GIF", "not supported")


def test_mask_of_another_size_is_422(client, image, mask):
    _error(_erase(client, png(image), png(mask[:-10])), 422, "80x86", "80x96")


def test_too_many_pixels_is_413(client, mask):
    big = np.zeros((129, 128, 3), np.uint8)  # the client's limit is 128 x 128
    _error(_erase(client, png(big), png(mask)), 413, "over the limit")


def test_too_many_pixels_in_the_mask_is_413(client, image):
    _error(_erase(client, png(image), png(np.zeros((200, 200), np.uint8))), 413, "mask")


def test_too_many_bytes_is_413_before_decoding(client, mask):
    padded = b"\x89PNG" + b"\0" * 2_100_000  # the client's limit is 2 MB
    _error(_erase(client, padded, png(mask)), 413, "larger than", "limit")


def test_too_many_bytes_without_content_length_is_413(client, image, mask):
    def chunks():
        yield b"x" * 1_500_000
        yield b"x" * 1_500_000

    r = client.post(
        "/api/v1/erase", content=chunks(), headers={"content-type": "multipart/form-data"}
    )
    _error(r, 413, "larger than")


@pytest.mark.parametrize(
    ("task", "fields", "words"),
    [
        ("erase", {"method": "photoshop"}, ("method", "patchmatch")),
        ("person", {"method": "nobody"}, ("method", "selfie")),
        ("skin", {"method": "paint"}, ("method", "adaptive")),
        ("face", {"method": "nose"}, ("method", "mesh")),
    ],
)
def test_unknown_method_is_422_and_lists_the_valid_ones(client, image, mask, task, fields, words):
    files = {"image": ("a.png", png(image))}
    if task == "erase":
        files["mask"] = ("m.png", png(mask))
    _error(client.post(f"/api/v1/{task}", files=files, data=fields), 422, *words)


@pytest.mark.parametrize(
    ("fields", "word"),
    [
        ({"dilate": "-1"}, "dilate"),
        ({"dilate": "lots"}, "dilate"),
        ({"seed": "-5"}, "seed"),
        ({"format": "gif"}, "format"),
        ({"quality": "0"}, "quality"),
    ],
)
def test_bad_option_is_422(client, image, mask, fields, word):
    _error(_erase(client, png(image), png(mask), **fields), 422, word)


def test_bad_face_part_is_422(client, image):
    r = client.post("/api/v1/face", files={"image": ("a", png(image))}, data={"part": "nose"})
    _error(r, 422, "part", "lips")


def test_missing_mask_is_422(client, image):
    r = client.post("/api/v1/erase", files={"image": ("a.png", png(image))})
    _error(r, 422, "mask", "required")


def test_missing_image_is_422(client):
    _error(client.post("/api/v1/skin", data={"method": "bayes"}), 422, "image", "required")


def test_not_multipart_is_422(client):
    _error(client.post("/api/v1/person", json={"image": "x"}), 422, "image")


def test_mask_covering_everything_is_422(client, image):
    full = np.full(image.shape[:2], 255, np.uint8)
    _error(_erase(client, png(image), png(full)), 422, "nothing left")


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_unknown_task_is_404_with_the_valid_tasks(client, image, method):
    r = client.request(method, "/api/v1/recolour", files={"image": ("a", png(image))})
    verbs = sorted(spec.verb for spec in all_tasks())  # every declared task, and only those
    assert {"erase", "face", "person", "skin"} <= set(verbs) and "recolour" not in verbs
    _error(r, 404, "recolour", ", ".join(verbs))
    assert r.json()["tasks"] == verbs


def test_unknown_path_and_wrong_verb_are_json(client):
    _error(client.get("/nowhere"), 404, "Not Found")
    r = client.get("/api/v1/erase")
    _error(r, 405, "GET is not allowed here; use POST")
    assert r.headers["allow"] == "POST"
    for method in ("PUT", "DELETE"):
        assert client.request(method, "/api/v1/skin").status_code == 405
    r = client.post("/api/v1/methods")
    _error(r, 405, "use GET")
    assert r.headers["allow"] == "GET"


def test_unacceptable_accept_header_is_406(client, image, mask):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    r = client.post("/api/v1/erase", files=files, headers={"accept": "application/json"})
    _error(r, 406, "image/png", "image/jpeg")


def test_timeout_is_503_and_the_server_goes_on(image, mask, monkeypatch):
    import time

    import retouch.inpaint

    real = retouch.inpaint.erase

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(retouch.inpaint, "erase", slow)
    with make_client(timeout_s=0.1, workers=1) as client:
        _error(_erase(client, png(image), png(mask), method="telea"), 503, "limit of 0.1 s")
        monkeypatch.setattr(retouch.inpaint, "erase", real)
        time.sleep(0.5)  # the abandoned job finishes in its thread
        assert _erase(client, png(image), png(mask), method="telea").status_code == 200


def test_missing_model_is_503(client, image, monkeypatch):
    from retouch.segment.models import MissingModelError
    from retouch.server import tasks

    def missing(*args, **kwargs):
        raise MissingModelError("mediapipe is not installed: scripts/setup.sh segment")

    monkeypatch.setattr(tasks, "decode_upload", missing)
    r = client.post("/api/v1/person", files={"image": ("a", png(image))})
    _error(r, 503, "mediapipe")


def test_unexpected_failure_is_500_without_a_traceback(image, monkeypatch):
    from retouch.server import tasks

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(tasks, "decode_upload", boom)
    from fastapi.testclient import TestClient

    from retouch.server import ServerSettings, create_app

    app = create_app(ServerSettings(allow_hosts=("testserver",)))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/v1/skin", files={"image": ("a", png(image))})
    assert "secret" not in _error(r, 500, "internal error")


def _damaged_tiff() -> bytes:
    """The sample photo as a 64 x 48 TIFF whose header says 1048640 x 1 pixels."""
    from PIL import Image

    from tests.conftest import REPO

    with Image.open(REPO / "src" / "retouch" / "data" / "sample.jpg") as img:
        buffer = io.BytesIO()
        img.convert("RGB").resize((64, 48)).save(buffer, format="TIFF")
    data = bytearray(buffer.getvalue())
    assert data[:4] == b"II*\0" and data[18:22] == (64).to_bytes(4, "little")  # ImageWidth
    data[20] = 0x10  # width 64 -> 1048640: PIL cannot read the strips, OpenCV's fallback asserts
    data[30] = 0x01  # height 48 -> 1, so the header stays under the pixel limit
    return bytes(data)


def test_damaged_tiff_is_400_not_500(image, mask):
    with make_client(max_pixels=2_000_000) as client:
        r = _erase(client, _damaged_tiff(), png(mask))
    _error(r, 400, "image")


def test_cancelled_work_is_503_not_500(client, image, monkeypatch):
    from retouch.core.cancel import Cancelled
    from retouch.server import tasks

    def cancelled(*args, **kwargs):
        raise Cancelled("the server is shutting down")

    monkeypatch.setattr(tasks, "decode_upload", cancelled)
    r = client.post("/api/v1/skin", files={"image": ("a", png(image))})
    _error(r, 503, "shutting down")


def test_too_many_pixels_names_the_servers_own_limit(client, mask):
    big = np.zeros((129, 128, 3), np.uint8)
    message = _error(_erase(client, png(big), png(mask)), 413, "retouch serve --max-pixels")
    assert "RETOUCH_MAX_PIXELS" not in message  # the server does not read it


def test_option_bounds_come_from_the_inpaint_base(client, image, mask):
    from retouch.inpaint.base import MAX_DILATE_PX, MAX_SEED

    schema = client.get("/openapi.json").json()["components"]["schemas"]
    fields = schema["Body_erase_api_v1_erase_post"]["properties"]
    assert fields["dilate"]["maximum"] == MAX_DILATE_PX and fields["dilate"]["minimum"] == 0
    assert fields["seed"]["maximum"] == MAX_SEED and fields["seed"]["minimum"] == 0
    _error(_erase(client, png(image), png(mask), dilate=str(MAX_DILATE_PX + 1)), 422, "dilate")
    _error(_erase(client, png(image), png(mask), seed=str(MAX_SEED + 1)), 422, "seed")
    ok = _erase(client, png(image), png(mask), seed=str(MAX_SEED), method="patchmatch")
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("value", ["1.5", "nan", "inf", "1e3", "0x10", "9" * 40, "--1", "true"])
@pytest.mark.parametrize("field", ["dilate", "seed"])
def test_nonsense_option_values_are_422(client, image, mask, field, value):
    _error(_erase(client, png(image), png(mask), **{field: value}), 422, field)
