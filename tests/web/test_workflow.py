"""What a photographer does with the page open all day: several photos one after another
(no stale results), JPEGs with their EXIF, refused files, dabs, long work and its cancel."""

from __future__ import annotations

import io
import json
import struct
import threading
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from retouch.core.cancel import Cancelled, check_cancelled
from tests.web.test_page import MASK_PIXELS, open_sample, paint, read_download


class SlowFill:
    """Stands in for ``retouch.inpaint.erase``: ``seconds`` of work that checks for
    cancellation every 10 ms, as the real fills do."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started, self.stopped = threading.Event(), threading.Event()
        self.cancelled: str | None = None

    def __call__(self, image, mask, **options):
        self.started.set()
        try:
            end = time.monotonic() + self.seconds
            while time.monotonic() < end:
                check_cancelled()
                time.sleep(0.01)
            return image.copy()
        except Cancelled as exc:
            self.cancelled = str(exc)
            raise
        finally:
            self.stopped.set()


def photo(tmp_path, name: str, size: tuple[int, int], seed: int, **save) -> str:
    """A smooth random photo of ``size`` (w, h) saved as ``name``."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)
    path = tmp_path / name
    img.save(path, **save)
    return str(path)


def status_has(page, words: str, timeout: int = 30_000) -> None:
    page.wait_for_function(
        f"document.getElementById('status').textContent.includes({words!r})", timeout=timeout
    )


def test_opening_b_during_as_erase_shows_and_downloads_b(page, tmp_path, monkeypatch):
    """Photo A's erase is in flight on the server when photo B is opened: A's work is
    cancelled on the server, nothing of A is shown, and B's erase is B's."""
    import retouch.inpaint

    a = photo(tmp_path, "a.png", (512, 512), 1)
    b = photo(tmp_path, "b.png", (400, 300), 2)
    real, fill = retouch.inpaint.erase, SlowFill(20.0)
    monkeypatch.setattr(retouch.inpaint, "erase", fill)
    open_sample(page, a)
    paint(page, [(100, 100), (300, 120)])
    page.click("#erase")
    assert fill.started.wait(10), "A's erase never started"
    assert page.is_visible("#cancel") and not page.is_disabled("#open input")

    page.set_input_files("#file", b)
    status_has(page, "Opened b.png")
    assert fill.stopped.wait(3.0), "A's work still runs on the server"
    assert fill.cancelled is not None
    monkeypatch.setattr(retouch.inpaint, "erase", real)
    time.sleep(0.5)  # A's answer, had it come, would be shown by now
    assert page.get_attribute("body", "data-result") is None and page.is_hidden("#error")
    assert page.evaluate("[photo.width, photo.height]") == [400, 300]
    assert page.evaluate(MASK_PIXELS) == 0  # A's mask went with A

    paint(page, [(150, 150), (250, 150)])
    page.select_option("#erase-method", "telea")
    page.click("#erase")
    page.wait_for_selector("body[data-result=ready]", timeout=30_000)
    with page.expect_download() as info:
        page.click("#dl-result")
    assert info.value.suggested_filename == "b_retouched.png"
    result = read_download(info.value)
    with Image.open(b) as img:
        before = np.asarray(img.convert("RGB"))
    assert result.shape == before.shape
    changed = np.abs(result.astype(int) - before).sum(axis=2) > 0
    assert changed[140:160, 160:240].mean() > 0.9 and not changed[:100].any()


def test_cancel_stops_the_work_on_the_server(page, tmp_path, monkeypatch):
    import retouch.inpaint

    fill = SlowFill(20.0)
    monkeypatch.setattr(retouch.inpaint, "erase", fill)
    open_sample(page, photo(tmp_path, "c.png", (320, 240), 3))
    paint(page, [(50, 50), (200, 60)])
    page.click("#erase")
    assert fill.started.wait(10)
    status_has(page, "running")
    page.click("#cancel")
    assert fill.stopped.wait(3.0), "the cancelled work still runs"
    assert fill.cancelled is not None
    status_has(page, "Cancelled")
    assert page.is_hidden("#busy") and page.is_hidden("#cancel") and page.is_hidden("#error")
    assert not page.is_disabled("#erase")


def test_cancel_before_the_job_id_arrives_still_stops_the_work(page, tmp_path, monkeypatch):
    """The upload reached the server and its job runs, but the 202 naming the job has not
    reached the page (held back here) when Cancel is clicked: the page cancels by the
    Job-Key it sent, so no job is left running with nobody to read it."""
    import retouch.inpaint

    fill = SlowFill(20.0)
    monkeypatch.setattr(retouch.inpaint, "erase", fill)
    open_sample(page, photo(tmp_path, "k.png", (320, 240), 4))
    # The request goes out whole; its answer is held back until the page aborts it, as a
    # slow network would hold it. (Playwright's own routing drops multipart file bodies.)
    page.evaluate(HOLD_ERASE_ANSWER)
    paint(page, [(50, 50), (200, 60)])
    page.click("#erase")
    assert fill.started.wait(10), "the erase never reached the server"
    page.wait_for_function("window.heldAnswers === 1")
    page.click("#cancel")
    assert fill.stopped.wait(3.0), "the job still runs on the server"
    assert fill.cancelled is not None
    assert page.is_hidden("#busy") and page.is_hidden("#error")


HOLD_ERASE_ANSWER = """() => {
  const real = window.fetch;
  window.heldAnswers = 0;
  window.fetch = (url, init = {}) => {
    if (!(init.method === "POST" && String(url).endsWith("/api/v1/erase"))) return real(url, init);
    const { signal, ...rest } = init;
    return new Promise((resolve, reject) => {
      real(url, rest).then(() => { window.heldAnswers += 1; });  // answered, never passed on
      signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    });
  };
}"""


def test_a_jpeg_comes_back_as_a_jpeg_with_its_exif_and_profile(page, tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "RetouchCam"  # Make
    exif[0x0132] = "2026:12:02 06:00:00"  # DateTime
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = photo(tmp_path, "holiday.jpg", (640, 480), 4, quality=90, exif=exif, icc_profile=icc)
    open_sample(page, path)
    assert "JPEG" in page.inner_text("#info") and page.is_visible("#quality")
    page.fill("#quality", "85")
    page.select_option("#erase-method", "telea")  # the quickest fill: the format is tested here
    paint(page, [(200, 200), (320, 210)])
    page.click("#erase")
    page.wait_for_selector("body[data-result=ready]", timeout=30_000)
    with page.expect_download() as info:
        page.click("#dl-result")
    assert info.value.suggested_filename == "holiday_retouched.jpg"
    with Image.open(info.value.path()) as out:
        assert out.format == "JPEG" and out.size == (640, 480)
        assert out.getexif().get(0x010F) == "RetouchCam"
        assert out.info.get("icc_profile") == icc
    with page.expect_download() as info:
        page.click("#dl-mask")
    assert info.value.suggested_filename == "holiday_mask.png"


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` and holds no pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, "GIF")
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()[:6000]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40"/></svg>'


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("anim.gif", gif(), "GIF images are not supported"),
        ("drawing.svg", SVG, "not an image"),
        ("cut.jpg", truncated_jpeg(), "cannot decode"),
        ("huge.png", png_header_only(9000, 6000), "over the limit"),
    ],
)
def test_open_refuses_what_the_server_would_refuse(page, tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files("#file", str(path))
    page.wait_for_selector("#error:not([hidden])")
    error = page.inner_text("#error")
    assert error.startswith(f"Cannot open {name}:") and words in error, error
    assert page.is_visible("#drop-hint") and page.is_disabled("#erase")


def test_file_menu_accepts_the_servers_formats(page, server_url):
    import httpx

    limits = httpx.get(f"{server_url}/api/v1/methods").json()["limits"]
    assert page.get_attribute("#file", "accept") == ",".join(limits["read_media_types"])
    quality = limits["quality"]
    attrs = page.eval_on_selector("#quality", "e => [e.min, e.max, e.value]")
    assert attrs == [str(quality["minimum"]), str(quality["maximum"]), str(quality["default"])]


def test_a_single_click_paints_a_dab(page):
    open_sample(page)
    box = page.locator("#mask").bounding_box()
    page.mouse.click(box["x"] + 100, box["y"] + 100)
    dab = page.evaluate(MASK_PIXELS)
    radius = 30 / 2
    assert dab == pytest.approx(np.pi * radius**2, rel=0.15)
    assert not page.is_disabled("#undo")


def test_nothing_found_is_said_plainly(page):
    black = io.BytesIO()
    Image.fromarray(np.zeros((512, 512), np.uint8)).save(black, "PNG")
    page.route(
        "**/api/v1/skin",
        lambda route: route.fulfill(status=200, content_type="image/png", body=black.getvalue()),
    )
    open_sample(page)
    page.click("#seg-skin")
    page.wait_for_selector("#notice:not([hidden])")
    assert "No skin" in page.inner_text("#notice") and "found" in page.inner_text("#notice")
    assert page.evaluate(MASK_PIXELS) == 0 and page.is_disabled("#undo")
    assert "added" not in page.inner_text("#status")


def test_the_face_part_menu_is_labelled_apart_from_the_skin_button(page):
    row = page.locator("#face-part").locator("xpath=..")
    assert row.inner_text().strip().startswith("Part")
    assert page.inner_text("#seg-skin") == "Skin"


def test_the_mask_is_drawn_again_at_the_photos_own_size(page, tmp_path):
    """A 2400 x 1600 photo is shown at 1024 x 683: a dab comes back as a round disc at
    2400 x 1600, not as the display copy's pixels scaled up."""
    open_sample(page, photo(tmp_path, "wide.png", (2400, 1600), 5))
    assert page.evaluate("[mask.width, mask.height]") == [1024, 683]
    assert page.inner_text("#zoom-fit") != "100%"
    shown = page.locator("#photo").bounding_box()["width"]
    assert page.inner_text("#zoom-fit") == f"{round(shown / 2400 * 100)}%"
    box = page.locator("#mask").bounding_box()
    sx = box["width"] / 1024
    page.mouse.click(box["x"] + 500.3 * sx, box["y"] + 300.7 * sx)
    with page.expect_download() as info:
        page.click("#dl-mask")
    mask = read_download(info.value)
    mask = mask[:, :, 0] if mask.ndim == 3 else mask
    assert mask.shape == (1600, 2400)
    k = 2400 / 1024
    yy, xx = np.mgrid[0:1600, 0:2400]
    dist = np.hypot(xx + 0.5 - 500.3 * k, yy + 0.5 - 300.7 * (1600 / 683))
    radius = 15 * k
    inside, outside = dist < radius - 1.0, dist > radius + 1.0
    assert mask[inside].min() == 255 and mask[outside].max() == 0


def test_the_page_loads_nothing_from_elsewhere(browser, server_url):
    context = browser.new_context()
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    try:
        page.goto(f"{server_url}/")
        page.wait_for_function("document.querySelector('#erase-method')?.options.length > 0")
        page.goto(f"{server_url}/docs")
        page.wait_for_selector("body[data-ready=true]")
        schema = page.evaluate("fetch('/openapi.json').then((r) => r.json())")
        for path in schema["paths"]:
            assert page.locator(".path", has_text=path).count() >= 1, path
        assert page.locator(".op").count() >= len(schema["paths"])
        favicon = page.evaluate(
            "fetch('/favicon.ico').then((r) => [r.status, r.headers.get('content-type')])"
        )
        assert favicon == [200, "image/svg+xml"]
    finally:
        context.close()
    elsewhere = [u for u in seen if not u.startswith(server_url) and not u.startswith("data:")]
    assert seen and not elsewhere, elsewhere
    assert f"{server_url}/static/favicon.svg" in seen


def test_help_lists_the_shortcuts(page):
    page.keyboard.press("?")
    assert page.is_visible("#help")
    keys = page.eval_on_selector_all("#help-keys kbd", "k => k.map((x) => x.textContent)")
    assert {"B", "E", "R", "L", "0", "Esc"} <= set(keys)
    page.keyboard.press("Escape")
    assert page.is_hidden("#help")


def test_apply_again_can_be_undone_and_compare_follows_a_drag(page, sample_png):
    open_sample(page, sample_png)
    paint(page, [(100, 256), (300, 256)])
    painted = page.evaluate(MASK_PIXELS)
    page.select_option("#erase-method", "telea")
    page.click("#erase")
    page.wait_for_selector("body[data-result=ready]", timeout=30_000)
    assert page.is_disabled("#undo")  # the mask is hidden: no edit of it to undo
    box = page.locator("#frame").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + 50)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + 60, steps=4)
    page.mouse.up()
    assert int(page.input_value("#compare")) == pytest.approx(80, abs=2)
    assert page.evaluate(MASK_PIXELS) == painted  # dragging painted nothing
    page.click("#apply")
    page.wait_for_selector("body:not([data-result])")
    assert page.evaluate(MASK_PIXELS) == 0 and not page.is_disabled("#history-back")
    page.click("#history-back")
    status_has(page, "Back to the photo before")
    assert page.evaluate(MASK_PIXELS) == painted  # the photo before, with its mask
    assert page.is_disabled("#history-back")


def test_wheel_zooms_and_a_pasted_photo_opens(page, sample_png, tmp_path):
    open_sample(page, sample_png)
    before = page.locator("#photo").bounding_box()["width"]
    box = page.locator("#stage").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.wheel(0, -120)
    page.mouse.wheel(0, -120)
    after = page.locator("#photo").bounding_box()["width"]
    assert after == pytest.approx(before * 1.21, rel=0.03)
    assert page.inner_text("#zoom-fit") == f"{round(after / 512 * 100)}%"
    data = open(photo(tmp_path, "clip.png", (200, 100), 6), "rb").read()
    page.evaluate(
        """(bytes) => {
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(bytes)], 'image.png', {type: 'image/png'}));
          document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt}));
        }""",
        list(data),
    )
    status_has(page, "Opened pasted.png (200 × 100)")


def test_every_task_has_its_panel(page, server_url, screenshots):
    import httpx

    tasks = httpx.get(f"{server_url}/api/v1/methods").json()["tasks"]
    for verb, t in tasks.items():
        assert page.eval_on_selector(f"#{verb}-method", "s => s.options.length") == len(
            t["methods"]
        ), verb
        button = {"segment": f"#seg-{verb}", "edit": f"#{verb}", "transform": f"#make-{verb}"}
        assert page.locator(button[t["kind"]]).count() == 1, verb
        if t["detects"]:
            assert page.inner_text(f"#{verb}-detect") == f"Find {t['detects']}"
    page.click("#card-lineart .options summary")
    first = tasks["lineart"]["methods"][0]
    shown = page.eval_on_selector_all(
        "#lineart-options [data-option]", "s => s.map((x) => x.dataset.option)"
    )
    assert shown == list(first["options"])
    page.screenshot(path=str(screenshots / "10-panels.png"), full_page=True)


def test_a_transform_result_is_shown_and_named(page, sample_png):
    open_sample(page, sample_png)
    page.select_option("#lineart-method", "xdog")
    page.click("#make-lineart")
    page.wait_for_selector("body[data-result=ready]", timeout=60_000)
    assert page.is_hidden("#error"), page.inner_text("#error")
    with page.expect_download() as info:
        page.click("#dl-result")
    assert info.value.suggested_filename == "sample_lineart.png"


PINCH = """([x, y, apart]) => {
  const mask = document.getElementById('mask');
  const touch = (type, id, cx) => mask.dispatchEvent(new PointerEvent(type, {
    pointerId: id, pointerType: 'touch', isPrimary: id === 11, clientX: cx, clientY: y,
    button: 0, buttons: type === 'pointerup' ? 0 : 1, bubbles: true, cancelable: true}));
  touch('pointerdown', 11, x - 40);
  touch('pointerdown', 12, x + 40);
  for (let i = 1; i <= 5; i++) {
    touch('pointermove', 11, x - 40 - (apart / 2) * i / 5);
    touch('pointermove', 12, x + 40 + (apart / 2) * i / 5);
  }
  touch('pointerup', 11, x - 40 - apart / 2);
  touch('pointerup', 12, x + 40 + apart / 2);
}"""


def test_pinch_zooms_without_painting(page, sample_png):
    open_sample(page, sample_png)
    before = page.locator("#photo").bounding_box()
    page.evaluate(PINCH, [before["x"] + 200, before["y"] + 200, 80])  # 80 px apart to 160
    after = page.locator("#photo").bounding_box()["width"]
    assert after == pytest.approx(before["width"] * 2, rel=0.05)
    assert page.evaluate(MASK_PIXELS) == 0 and page.is_disabled("#undo")


def test_people_to_remove_are_chosen_by_clicks_on_the_photo(page, server_url, tmp_path):
    """A text option whose example is points ("X,Y X,Y") is filled by clicks on the
    photo, in the photo's own pixels, and sent as that option."""
    import httpx

    tasks = httpx.get(f"{server_url}/api/v1/methods").json()["tasks"]
    pickers = [
        (verb, name)
        for verb, t in tasks.items()
        for name, schema in t["promoted"].items()
        if any("," in str(x) for x in schema.get("examples", []))
    ]
    assert pickers, "no task takes points of the photo"
    verb, name = pickers[0]
    open_sample(page, photo(tmp_path, "group.png", (2048, 1024), 7))  # shown at 1024 x 512
    page.click(f"#{verb}-{name}-pick")
    box = page.locator("#mask").bounding_box()
    sx = box["width"] / 1024
    for x, y in ((100, 50), (600, 300)):
        page.mouse.click(box["x"] + (x + 0.5) * sx, box["y"] + (y + 0.5) * sx)
    assert page.input_value(f"#{verb}-{name}") == "201,101 1201,601"
    assert page.evaluate(MASK_PIXELS) == 0  # picking painted nothing
    page.click(f"#{verb}-{name}-pick")  # done picking: the brush paints again
    sent: list[bytes] = []
    page.route(
        f"**/api/v1/{verb}",
        lambda route: (sent.append(route.request.post_data_buffer), route.abort()),
    )
    page.click(f"#{verb}")
    page.wait_for_selector("#error:not([hidden])")
    assert f'name="{name}"\r\n\r\n201,101 1201,601'.encode() in sent[0]


def test_line_art_downloads_as_svg_and_makes_a_clear_sheet(page, sample_png):
    """The line-art card offers what the server says it can give: SVG paths and ink on a
    transparent sheet; the cartoon card offers neither."""
    open_sample(page, sample_png)
    page.select_option("#lineart-method", "xdog")
    assert page.locator("#svg-cartoon").count() == 0
    assert page.locator("#cartoon-transparent").count() == 1  # any drawing can lose its paper
    with page.expect_download() as info:
        page.click("#svg-lineart")
    assert info.value.suggested_filename == "sample_lineart.svg"
    text = open(info.value.path(), encoding="utf-8").read()
    assert text.startswith("<?xml") and "<path d=" in text
    page.check("#lineart-transparent")
    page.click("#make-lineart")
    page.wait_for_selector("body[data-result=ready]", timeout=60_000)
    assert page.is_hidden("#error"), page.inner_text("#error")
    with page.expect_download() as info:
        page.click("#dl-result")
    from PIL import Image

    with Image.open(info.value.path()) as img:
        assert img.mode == "RGBA"
        alpha = img.getchannel("A")
        assert alpha.getextrema() == (0, 255)  # clear paper and opaque ink


def _stripe_contrast(png_bytes: bytes) -> float:
    """Mean absolute difference between neighbouring columns of a screenshot (0-255)."""
    shot = np.asarray(Image.open(io.BytesIO(png_bytes)).convert("L"), dtype=float)
    return float(np.abs(np.diff(shot, axis=1)).mean())


def test_zoomed_past_the_display_copy_the_photo_shows_its_own_pixels(page, tmp_path):
    """A 3000 x 2000 photo of 1-px stripes is shown from a 1024 px display copy, where the
    stripes blur to grey; at 100 % the visible part is drawn from the photo itself, so the
    stripes are back (in the result too, after an erase)."""
    stripes = np.zeros((2000, 3000, 3), np.uint8)
    stripes[:, ::2] = 255
    path = tmp_path / "stripes.png"
    Image.fromarray(stripes).save(path)
    open_sample(page, path)
    assert page.evaluate("photo.width") == 1024
    page.evaluate("setZoom(1)")
    page.wait_for_timeout(100)
    assert page.inner_text("#zoom-fit") == "100%"
    assert page.is_visible("#photo-detail")
    stage = page.locator("#stage")
    sharp = _stripe_contrast(stage.screenshot())
    page.evaluate("photoDetail.remove()")  # what the upscaled display copy alone shows
    blurred = _stripe_contrast(stage.screenshot())
    assert sharp > 150 and blurred < 60, (sharp, blurred)
    page.evaluate("setZoom(0)")
    page.wait_for_timeout(100)
    assert page.is_hidden("#result-detail")


def test_the_result_detail_layer_follows_the_result_and_the_compare_divider(page, tmp_path):
    stripes = np.zeros((1600, 2400, 3), np.uint8)
    stripes[:, ::2] = 255
    path = tmp_path / "stripes2.png"
    Image.fromarray(stripes).save(path)
    open_sample(page, path)
    paint(page, [(500, 300), (520, 300)])
    page.select_option("#erase-method", "telea")
    page.click("#erase")
    page.wait_for_selector("body[data-result=ready]", timeout=30_000)
    page.evaluate("setZoom(1)")
    page.wait_for_timeout(100)
    assert page.is_visible("#result-detail") and page.is_visible("#photo-detail")
    clip = page.evaluate("resultDetail.style.clipPath")
    assert clip.startswith("inset(0px 0px 0px ") and clip.endswith("px)"), clip


WATCH_LINEART_POSTS = """() => { window.sentLineart = []; const real = window.fetch;
  window.fetch = async (url, init) => {
    if (String(url).includes('lineart') && init && init.body instanceof FormData) {
      const bitmap = await createImageBitmap(init.body.get('image'));
      const options = init.body.get('options');
      window.sentLineart.push({ w: bitmap.width, h: bitmap.height, options });
    }
    return real(url, init);
  }; }"""
INK = """() => { const cv = document.getElementById('result');
  const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 200) n++;
  return n / (d.length / 4); }"""


def test_live_preview_redraws_a_small_copy_as_an_option_changes(page, sample_png, tmp_path):
    """With Live preview on, the line-art card sends a 512 px copy of a 1200 x 900 photo,
    shows the drawing where a result goes (nothing to download), and draws it again when
    an option changes: thicker lines, more ink. Off again, the preview goes; Make gives the
    full-size result."""
    big = tmp_path / "big.png"
    with Image.open(sample_png) as img:
        img.resize((1200, 900), Image.Resampling.BICUBIC).save(big)
    open_sample(page, big)
    page.select_option("#lineart-method", "xdog")
    page.evaluate(WATCH_LINEART_POSTS)  # Playwright's request hook drops multipart files
    page.check("#lineart-live")
    page.wait_for_selector("body[data-result=preview]", timeout=30_000)
    assert page.is_hidden("#error"), page.inner_text("#error")
    sent = page.evaluate("window.sentLineart")
    assert len(sent) == 1 and (sent[0]["w"], sent[0]["h"]) == (512, 384), sent
    assert page.is_disabled("#dl-result") and page.is_disabled("#apply")
    thin = page.evaluate(INK)
    assert 0.005 < thin < 0.5  # lines on paper, not a blank or black sheet
    page.click("#card-lineart .options summary")
    page.fill("#lineart-opt-thickness", "4")
    page.wait_for_function(f"(before) => ({INK})() > before * 1.5", arg=thin, timeout=30_000)
    sent = page.evaluate("window.sentLineart")
    assert len(sent) >= 2 and json.loads(sent[-1]["options"])["thickness"] == 4, sent
    assert page.get_attribute("body", "data-result") == "preview"
    page.uncheck("#lineart-live")
    page.wait_for_selector("body:not([data-result])")
    page.click("#make-lineart")
    page.wait_for_selector("body[data-result=ready]", timeout=60_000)
    with page.expect_download() as info:
        page.click("#dl-result")
    with Image.open(info.value.path()) as img:
        assert img.size == (1200, 900)
