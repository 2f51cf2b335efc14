"""Jobs (``Prefer: respond-async``): progress, read once, cancel that stops the work;
the probe that refuses at Open what a task would refuse; limits sent with the methods;
a JPEG answered as a JPEG with its EXIF and ICC profile; the local docs page."""

import io
import time

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")

from PIL import Image, ImageCms

from retouch.server.tasks import QUALITY
from tests.server.conftest import make_client, png
from tests.server.test_cancel_budget import slow  # noqa: F401  (fixture)

ASYNC = {"Prefer": "respond-async"}


def _jpeg(image: np.ndarray, **save) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=90, **save)
    return buffer.getvalue()


def _start(client, image, mask, **data):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    r = client.post("/api/v1/erase", files=files, data=data, headers=ASYNC)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/v1/jobs/{r.json()['id']}"
    return r.json()["id"]


def test_methods_send_the_servers_limits():
    with make_client(max_pixels=123_456, max_upload_bytes=789_000) as client:
        limits = client.get("/api/v1/methods").json()["limits"]
    assert limits["max_pixels"] == 123_456 and limits["max_upload_bytes"] == 789_000
    assert {"JPEG", "PNG"} <= set(limits["read_formats"]) and "GIF" not in limits["read_formats"]
    assert "image/jpeg" in limits["read_media_types"] and limits["write_formats"] == ["jpeg", "png"]
    assert limits["quality"] == QUALITY


def test_a_job_is_polled_and_its_result_read_once(client, image, mask):
    job = _start(client, image, mask, method="telea")
    state = client.get(f"/api/v1/jobs/{job}", params={"wait": 10}).json()
    assert state["state"] == "done" and state["progress"] == 1.0, state
    assert state["done"] == state["total"] == 1  # one hole filled of one
    r = client.get(f"/api/v1/jobs/{job}/result")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(r.content)) as out:
        assert out.size == (image.shape[1], image.shape[0])
    again = client.get(f"/api/v1/jobs/{job}/result")
    assert again.status_code == 404 and "result was read" in again.json()["error"]


def test_a_failed_job_answers_its_error(client, image, mask):
    job = _start(client, image, mask[:-10])  # sizes differ: 422 when the work runs
    state = client.get(f"/api/v1/jobs/{job}", params={"wait": 10}).json()
    assert state["state"] == "failed" and state["status"] == 422
    r = client.get(f"/api/v1/jobs/{job}/result")
    assert r.status_code == 422 and "mask is" in r.json()["error"]


def test_cancel_stops_the_work_and_the_result_is_not_ready_before(image, mask, slow):  # noqa: F811
    fill = slow(10.0)
    with make_client(max_pixels=128 * 128, workers=1) as client:
        job = _start(client, image, mask)
        assert fill.started.wait(5.0)
        early = client.get(f"/api/v1/jobs/{job}/result")
        assert early.status_code == 409 and "running" in early.json()["error"]
        start = time.monotonic()
        assert client.delete(f"/api/v1/jobs/{job}").status_code == 200
        assert fill.stopped.wait(3.0), "the cancelled work still runs"
        assert fill.cancelled and time.monotonic() - start < 2.0
        state = client.get(f"/api/v1/jobs/{job}", params={"wait": 5}).json()
        assert state["state"] == "cancelled"
        r = client.get(f"/api/v1/jobs/{job}/result")
        assert r.status_code == 503 and "cancelled" in r.json()["error"]


KEY = "page-0123456789abcdef"


def test_a_job_key_cancels_the_work_before_its_id_is_known(image, mask, slow):  # noqa: F811
    # the page gave up before it read the 202: it cancels by the key it sent
    fill = slow(10.0)
    with make_client(max_pixels=128 * 128, workers=1) as client:
        files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
        r = client.post("/api/v1/erase", files=files, headers={**ASYNC, "Job-Key": KEY})
        assert r.status_code == 202, r.text
        assert fill.started.wait(5.0)
        gone = client.delete("/api/v1/jobs", params={"key": KEY})
        assert gone.status_code == 200 and gone.json()["job"]["id"] == r.json()["id"]
        assert fill.stopped.wait(3.0) and fill.cancelled, "the cancelled work still runs"
        state = client.get(f"/api/v1/jobs/{r.json()['id']}", params={"wait": 5}).json()
        assert state["state"] == "cancelled"


def test_a_key_cancelled_before_its_request_arrives_starts_no_work(image, mask, slow):  # noqa: F811
    fill = slow(10.0)
    with make_client(max_pixels=128 * 128, workers=1) as client:
        early = client.delete("/api/v1/jobs", params={"key": KEY})
        assert early.status_code == 200 and early.json() == {"key": KEY, "job": None}
        files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
        r = client.post("/api/v1/erase", files=files, headers={**ASYNC, "Job-Key": KEY})
        assert r.status_code == 409 and "cancelled before" in r.json()["error"], r.text
        assert not fill.started.wait(0.5), "work started for a cancelled key"
        # the key is used up: the same key again starts a job
        again = client.post("/api/v1/erase", files=files, headers={**ASYNC, "Job-Key": KEY})
        assert again.status_code == 202
        client.delete(f"/api/v1/jobs/{again.json()['id']}")


@pytest.mark.parametrize(
    "key", ["short", "x" * 65, "has space in it 0123", "semi;colon;0123456789"]
)
def test_a_bad_job_key_is_a_422_naming_the_rule(client, image, mask, key):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    r = client.post("/api/v1/erase", files=files, headers={**ASYNC, "Job-Key": key})
    assert r.status_code == 422 and "Job-Key must be" in r.json()["error"], r.text
    r = client.delete("/api/v1/jobs", params={"key": key})
    assert r.status_code == 422 and "Job-Key must be" in r.json()["error"]


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/api/v1/jobs/nope", "get", 404),
        ("/api/v1/jobs/nope/result", "get", 404),
        ("/api/v1/jobs/nope", "delete", 404),
        ("/api/v1/jobs/nope", "post", 405),
        ("/api/v1/probe", "get", 405),
    ],
)
def test_job_and_probe_errors_are_json(client, path, method, status):
    r = getattr(client, method)(path)
    assert r.status_code == status and "error" in r.json(), r.text
    if status == 405:
        assert r.headers["allow"] in ("GET, DELETE", "POST")


def test_probe_describes_a_photo(client, image):
    exif = Image.Exif()
    exif[0x010F] = "ProbeCam"
    r = client.post("/api/v1/probe", files={"image": ("a.jpg", _jpeg(image, exif=exif))})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["width"], body["height"]) == (image.shape[1], image.shape[0])
    assert body["format"] == "JPEG" and body["output"] == "jpeg" and body["exif"] is True
    assert (
        client.post("/api/v1/probe", files={"image": ("a.png", png(image))}).json()["output"]
        == "png"
    )


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (_gif(), 400, "GIF images are not supported"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 400, "not an image"),
        (b"", 400, "empty"),
        ("truncated", 400, "cannot decode"),
        ("too big", 413, "over the limit"),
    ],
)
def test_probe_refuses_what_a_task_would(client, image, data, status, words):
    if data == "truncated":
        noise = np.random.default_rng(0).integers(0, 256, (96, 120, 3), dtype=np.uint8)
        data = _jpeg(noise)[:2000]
    elif data == "too big":
        data = png(np.zeros((200, 200, 3), np.uint8))  # over the session client's 128 x 128
    r = client.post("/api/v1/probe", files={"image": ("x", data)})
    assert r.status_code == status and words in r.json()["error"], r.text


def test_a_jpeg_is_answered_as_a_jpeg_with_its_exif_and_profile(client, image, mask):
    exif = Image.Exif()
    exif[0x010F] = "KeepCam"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    files = {"image": ("a.jpg", _jpeg(image, exif=exif, icc_profile=icc)), "mask": ("m", png(mask))}
    r = client.post("/api/v1/erase", files=files, data={"format": "jpeg", "quality": "80"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(r.content)) as out:
        assert out.format == "JPEG" and out.getexif().get(0x010F) == "KeepCam"
        assert out.info.get("icc_profile") == icc


def test_docs_and_icon_are_local(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/docs.js" in docs.text
    assert "cdn" not in docs.text.lower() and "http" not in docs.text.replace("http-equiv", "")
    assert client.get("/redoc").status_code == 404
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
