"""The web page at ``/`` driven in headless Chromium: open, paint, erase, download.

The page's menus, ranges and defaults come from ``GET /api/v1/methods``, and its
colour-rule tuner shows what the server's method computes; both are checked here
against the catalogue and the registry.
"""

from __future__ import annotations

import base64
import io
import json
import time

import numpy as np
import pytest
from PIL import Image

import retouch
from retouch.core.io import read_image
from retouch.core.registry import get
from tests.conftest import need_module
from tests.web.conftest import SAMPLE

# A horizontal stroke across the middle of the 512 x 512 sample (shown 1:1).
STROKE_Y, STROKE_X0, STROKE_X1, BRUSH = 256, 120, 390, 30

MASK_PIXELS = """() => {
  const cv = document.getElementById('mask');
  const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


# The canvas ``id`` as a 0/255 array: 255 where its alpha is above 0 (painted or tinted).
CANVAS_BITS = """(id) => {
  const cv = document.getElementById(id);
  const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  const out = new Uint8Array(cv.width * cv.height);
  for (let p = 0; p < out.length; p++) out[p] = d[p * 4 + 3] > 0 ? 255 : 0;
  let s = '';
  for (let i = 0; i < out.length; i += 0x8000) {
    s += String.fromCharCode(...out.subarray(i, i + 0x8000));
  }
  return [cv.height, cv.width, btoa(s)];
}"""

# Set tuner sliders {option: value} in one go (one input event each, one debounce).
SET_SLIDERS = """(values) => {
  for (const [name, value] of Object.entries(values)) {
    const el = document.getElementById('tune-' + name);
    el.value = String(value);
    el.dispatchEvent(new Event('input'));
  }
}"""


def catalogue(server_url) -> dict:
    import httpx

    return httpx.get(f"{server_url}/api/v1/methods").json()["tasks"]


def segment_tasks(tasks: dict) -> list[str]:
    return [verb for verb, t in tasks.items() if t["kind"] == "segment"]


def canvas_bits(page, canvas: str) -> np.ndarray:
    h, w, data = page.evaluate(CANVAS_BITS, canvas)
    return np.frombuffer(base64.b64decode(data), np.uint8).reshape(h, w)


def options_of(page, select: str) -> list[str]:
    return page.eval_on_selector_all(f"{select} option", "o => o.map(x => x.value)")


def open_sample(page, path=SAMPLE) -> None:
    page.set_input_files("#file", str(path))
    page.wait_for_function("!document.querySelector('#erase').disabled")


def paint(page, points: list[tuple[float, float]]) -> None:
    """Press, move through ``points`` (canvas pixels) and release on the mask canvas."""
    box = page.locator("#mask").bounding_box()
    sx = box["width"] / page.evaluate("document.getElementById('mask').width")
    x, y = points[0]
    page.mouse.move(box["x"] + x * sx, box["y"] + y * sx)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * sx, box["y"] + y * sx, steps=8)
    page.mouse.up()


def read_download(download) -> np.ndarray:
    with Image.open(download.path()) as img:
        return np.asarray(img.convert("RGB") if img.mode != "L" else img)


def test_empty_page_menus_come_from_the_catalogue(page, server_url, screenshots):
    tasks = catalogue(server_url)
    verbs = segment_tasks(tasks)
    assert verbs, "the catalogue has no segment task"
    assert page.eval_on_selector_all(".seg", "b => b.map(x => x.dataset.task)") == verbs
    for verb in [*verbs, "erase"]:
        assert options_of(page, f"#{verb}-method") == [m["name"] for m in tasks[verb]["methods"]]
        assert page.input_value(f"#{verb}-method") == tasks[verb]["default"]
        for name, schema in tasks[verb]["promoted"].items():
            assert options_of(page, f"#{verb}-{name}") == [str(v) for v in schema["enum"]]
            assert page.input_value(f"#{verb}-{name}") == str(schema["default"])
    assert page.is_visible("#face-part")  # face's promoted part, beside its button
    fields = tasks["erase"]["fields"]
    assert page.eval_on_selector_all(
        "#erase-fields input", "i => i.map(x => x.dataset.field)"
    ) == list(fields)
    for name, schema in fields.items():
        attrs = page.eval_on_selector(f"#erase-{name}", "e => [e.min, e.max, e.value]")
        assert attrs == [str(schema["minimum"]), str(schema["maximum"]), str(schema["default"])]
    assert page.get_attribute("#erase-dilate", "max") == str(fields["dilate"]["maximum"])
    assert page.is_disabled("#erase") and page.is_visible("#drop-hint")
    page.screenshot(path=str(screenshots / "01-empty.png"))


def test_a_task_added_to_the_catalogue_appears_without_editing_the_page(page, server_url):
    """A segment task the page has never heard of gets its button, menus and request."""
    tasks = catalogue(server_url)
    tasks["toy"] = {
        **tasks["person"],
        "endpoint": "/api/v1/toy",
        "summary": "a task added after the page was written",
        "default": "lasso-toy",
        "methods": [
            {"name": "plain-toy", "summary": "p", "default": False, "options": {}, "weights": []},
            {"name": "lasso-toy", "summary": "l", "default": True, "options": {}, "weights": []},
        ],
        "promoted": {"level": {"type": "string", "enum": ["low", "high"], "default": "high"}},
    }
    half = np.zeros((512, 512), np.uint8)
    half[:, :256] = 255
    png = io.BytesIO()
    Image.fromarray(half).save(png, "PNG")
    sent: list[bytes] = []

    def answer(route):
        sent.append(route.request.post_data_buffer)
        route.fulfill(status=200, content_type="image/png", body=png.getvalue())

    page.route(
        "**/api/v1/methods",
        lambda route: route.fulfill(json={"tasks": tasks}),
    )
    page.route("**/api/v1/toy", answer)
    page.reload()
    page.wait_for_selector("#seg-toy")
    assert page.inner_text("#seg-toy") == "Toy"
    assert options_of(page, "#toy-method") == ["plain-toy", "lasso-toy"]
    assert page.input_value("#toy-method") == "lasso-toy"
    assert options_of(page, "#toy-level") == ["low", "high"]
    open_sample(page)
    page.select_option("#toy-level", "low")
    page.click("#seg-toy")
    page.wait_for_function("document.getElementById('status').textContent.includes('added')")
    body = sent[0]
    assert b'name="method"\r\n\r\nlasso-toy' in body and b'name="level"\r\n\r\nlow' in body
    assert np.array_equal(canvas_bits(page, "mask"), half)


def test_paint_erase_compare_and_download(page, screenshots, sample_png):
    """A PNG photo comes back as a PNG: every pixel away from the stroke is the photo's."""
    open_sample(page, sample_png)
    assert page.evaluate(
        "[document.getElementById('mask').width, document.getElementById('mask').height]"
    ) == [512, 512]
    page.fill("#erase-dilate", "0")
    page.evaluate(f"document.getElementById('size').value = {BRUSH}")
    page.dispatch_event("#size", "input")
    paint(page, [(STROKE_X0, STROKE_Y), (STROKE_X1, STROKE_Y)])
    painted = page.evaluate(MASK_PIXELS)
    assert painted > BRUSH * (STROKE_X1 - STROKE_X0) * 0.9
    page.screenshot(path=str(screenshots / "02-photo-with-mask.png"))

    page.click("#erase")
    assert page.is_visible("#busy")  # progress shown while the server works
    page.wait_for_selector("body[data-result=ready]", timeout=30_000)
    assert page.is_hidden("#busy") and page.is_hidden("#error")
    assert page.inner_text("#status").startswith("Erased in")
    page.fill("#compare", "35")
    page.dispatch_event("#compare", "input")
    page.screenshot(path=str(screenshots / "03-result-compare.png"))

    with page.expect_download() as info:
        page.click("#dl-result")
    assert info.value.suggested_filename == "sample_retouched.png"
    result = read_download(info.value)
    with Image.open(SAMPLE) as img:
        original = np.asarray(img.convert("RGB"))
    assert result.shape == original.shape
    diff = np.abs(result.astype(int) - original.astype(int)).sum(axis=2)
    r = BRUSH // 2
    under = diff[STROKE_Y - r // 2 : STROKE_Y + r // 2, STROKE_X0 + r : STROKE_X1 - r]
    assert (under > 0).mean() > 0.9, "the pixels under the stroke were not filled"
    far = np.ones_like(diff, bool)
    far[STROKE_Y - r - 4 : STROKE_Y + r + 4, STROKE_X0 - r - 4 : STROKE_X1 + r + 4] = False
    assert diff[far].max() == 0, "pixels far from the stroke changed"

    # The result canvas shows the same pixels (1:1 display copy).
    shown = page.evaluate(f"""() => {{
      const d = document.getElementById('result').getContext('2d')
        .getImageData({STROKE_X0 + 40}, {STROKE_Y}, 1, 1).data;
      return [d[0], d[1], d[2]];
    }}""")
    assert np.abs(np.array(shown) - result[STROKE_Y, STROKE_X0 + 40]).max() <= 2

    page.keyboard.down("\\")  # hold to see the photo before
    assert page.is_hidden("#result")
    page.keyboard.up("\\")
    assert page.is_visible("#result")

    page.click("#back")  # back to the photo and its mask, unchanged
    assert page.is_hidden("#result") and page.is_visible("#mask")
    assert page.evaluate(MASK_PIXELS) == painted
    page.click("#erase")
    page.wait_for_selector("body[data-result=ready]", timeout=30_000)

    page.click("#apply")  # iterative editing: the result becomes the photo
    page.wait_for_selector("body:not([data-result])")
    assert page.is_hidden("#result") and page.evaluate(MASK_PIXELS) == 0
    assert page.is_disabled("#apply") and not page.is_disabled("#erase")


def test_undo_redo_clear_and_shortcuts(page):
    open_sample(page)
    page.keyboard.press("]")
    bigger = int(page.input_value("#size"))
    assert bigger > 30
    page.keyboard.press("[")
    page.keyboard.press("[")
    assert int(page.input_value("#size")) < bigger
    paint(page, [(50, 50), (200, 60)])
    painted = page.evaluate(MASK_PIXELS)
    assert painted > 0
    page.keyboard.press("Control+z")
    assert page.evaluate(MASK_PIXELS) == 0
    page.keyboard.press("Control+Shift+z")
    assert page.evaluate(MASK_PIXELS) == painted
    page.keyboard.press("e")  # eraser over part of the stroke
    paint(page, [(50, 50), (100, 55)])
    assert 0 < page.evaluate(MASK_PIXELS) < painted
    page.click("#clear")
    assert page.evaluate(MASK_PIXELS) == 0
    page.click("#undo")
    assert 0 < page.evaluate(MASK_PIXELS) < painted


def test_rectangle_and_mask_download_at_full_resolution(page):
    open_sample(page)
    page.keyboard.press("r")
    paint(page, [(100, 120), (300, 220)])
    with page.expect_download() as info:
        page.click("#dl-mask")
    mask = read_download(info.value)
    if mask.ndim == 3:
        mask = mask[:, :, 0]
    assert mask.shape == (512, 512)
    assert set(np.unique(mask)) <= {0, 255}
    assert mask[125:215, 105:295].min() == 255
    assert mask[:110].max() == 0 and mask[230:].max() == 0


def test_space_drag_pans_a_zoomed_photo_without_painting(page):
    open_sample(page)
    for _ in range(4):
        page.keyboard.press("+")  # zoom in until the stage scrolls
    before = page.evaluate("[stage.scrollLeft, stage.scrollTop]")
    box = page.locator("#stage").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.keyboard.down(" ")
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 120, cy - 80, steps=6)
    page.mouse.up()
    page.keyboard.up(" ")
    after = page.evaluate("[stage.scrollLeft, stage.scrollTop]")
    assert after[0] > before[0] and after[1] > before[1]
    assert page.evaluate(MASK_PIXELS) == 0  # panning painted nothing


def test_lasso_fills_the_outline_and_undoes_in_one_step(page, screenshots):
    open_sample(page)
    page.keyboard.press("l")
    assert "active" in page.get_attribute("[data-tool=lasso]", "class")
    paint(page, [(100, 100), (300, 100), (300, 300), (100, 300)])  # a square outline
    page.screenshot(path=str(screenshots / "09-lasso.png"))
    with page.expect_download() as info:
        page.click("#dl-mask")
    mask = read_download(info.value)
    if mask.ndim == 3:
        mask = mask[:, :, 0]
    assert mask[110:290, 110:290].min() == 255  # inside the outline: filled
    assert mask[:90].max() == 0 and mask[310:].max() == 0 and mask[:, 320:].max() == 0
    page.keyboard.press("Control+z")
    assert page.evaluate(MASK_PIXELS) == 0


def test_errors_are_shown(page, server_url, screenshots):
    too_far = catalogue(server_url)["erase"]["fields"]["dilate"]["maximum"] + 1
    open_sample(page)
    page.click("#erase")  # nothing painted: the page says so, no request
    assert "mask is empty" in page.inner_text("#error")
    paint(page, [(200, 200), (260, 200)])
    page.fill("#erase-dilate", str(too_far))  # the API answers 422 with {"error": ...}
    page.click("#erase")
    page.wait_for_function(
        "!document.getElementById('error').hidden && "
        "document.getElementById('error').textContent.includes('HTTP 422')"
    )
    assert page.inner_text("#error").startswith("Erase failed:")
    page.screenshot(path=str(screenshots / "07-error.png"))
    assert page.is_hidden("#busy") and not page.is_disabled("#erase")


def test_every_segmenter_fills_an_editable_mask(page, server_url, screenshots):
    need_module("mediapipe", "scripts/setup.sh segment")
    open_sample(page)
    for verb in segment_tasks(catalogue(server_url)):
        page.click(f"#seg-{verb}")
        page.wait_for_function(
            "document.getElementById('status').textContent.includes('added') || "
            "!document.getElementById('error').hidden",
            timeout=30_000,
        )
        assert page.is_hidden("#error"), (verb, page.inner_text("#error"))
        assert page.evaluate(MASK_PIXELS) > 0, verb
        page.screenshot(path=str(screenshots / f"08-mask-{verb}.png"))
        page.click("#undo")
        assert page.evaluate(MASK_PIXELS) == 0, verb


def open_tuner(page, rule: str) -> None:
    """Open the tuner on ``rule`` and wait for the preview of its defaults."""
    page.click("#tuner summary")
    page.select_option("#tune-method", label=rule)
    wait_for_preview(page)


def wait_for_preview(page) -> None:
    page.wait_for_selector("#tuner[data-state=ready], #tuner[data-state=error]", timeout=30_000)
    assert page.get_attribute("#tuner", "data-state") == "ready", page.inner_text("#error")


def test_tuner_sliders_are_the_methods_options(page):
    """Names, ranges and defaults of the sliders are the registry's (segment/skin/rules.py)."""
    page.click("#tuner summary")
    assert [
        o.strip()
        for o in page.eval_on_selector_all("#tune-method option", "o => o.map(x => x.text)")
    ] == [
        "hsv",
        "ycrcb",
    ]
    for rule in ("hsv", "ycrcb"):
        page.select_option("#tune-method", label=rule)
        info = get("skin", rule)
        shown = page.eval_on_selector_all(
            "#tune-sliders .tune", "s => s.map(x => [x.dataset.option, x.min, x.max, x.value])"
        )
        assert [name for name, *_ in shown] == list(info.options)
        for name, low, high, value in shown:
            assert float(value) == info.options[name], (rule, name)
            assert (float(low), float(high)) == (
                info.specs[name].range.low,
                info.specs[name].range.high,
            )
    assert get("skin", "hsv").options["v_min"] == 0.35  # the old page's own copy said 15 %


@pytest.mark.parametrize(
    ("rule", "values"),
    [
        ("ycrcb", {"cr_min": 140, "cb_max": 120, "y_min": 40}),
        ("hsv", {"h_max": 35, "s_min": 0.3, "v_min": 0.42}),
    ],
)
def test_tuner_shows_exactly_what_the_method_computes(page, rule, values, screenshots):
    open_sample(page)  # 512 x 512: shown 1:1, so the rule runs on the photo itself
    open_tuner(page, rule)
    image = read_image(SAMPLE)
    defaults = retouch.create("skin", rule)(image)
    # Once (CI, 2026-12-02) the canvas differed right after "ready", cause not found
    # (perhaps a stale preview redrawn): still an exact comparison, after up to 10 s.
    deadline = time.monotonic() + 10
    while not np.array_equal(canvas_bits(page, "tune"), defaults) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        wait_for_preview(page)
    assert np.array_equal(canvas_bits(page, "tune"), defaults)
    assert page.is_visible("#tune")

    requests: list[bytes] = []

    def watch(route):  # the request bodies, passed on to the server unchanged
        requests.append(route.request.post_data_buffer)
        route.continue_()

    page.route("**/api/v1/skin", watch)
    page.evaluate(SET_SLIDERS, values)
    assert page.get_attribute("#tuner", "data-state") == "updating"
    assert page.is_visible("#tune-busy") and page.inner_text("#tune-out") == "updating…"
    assert page.is_disabled("#tune-use")  # the old preview no longer matches the sliders
    wait_for_preview(page)
    assert len(requests) == 1, "three slider moves in a burst should make one request"
    sent = requests[0].split(b'name="options"\r\n\r\n')[1].split(b"\r\n")[0]
    options = {**get("skin", rule).options, **values}
    assert json.loads(sent) == options

    expected = retouch.create("skin", rule, **options)(image)
    assert not np.array_equal(expected, defaults)  # the sliders changed the mask
    assert np.array_equal(canvas_bits(page, "tune"), expected)
    share = float(page.inner_text("#tune-out").split("%")[0])
    assert share == pytest.approx(100 * (expected > 0).mean(), abs=0.05)
    page.screenshot(path=str(screenshots / f"04-tuner-{rule}.png"))
    page.click("#tune-use")
    assert np.array_equal(canvas_bits(page, "mask"), expected)
    page.click("#undo")
    assert page.evaluate(MASK_PIXELS) == 0


def test_tuner_runs_on_the_display_copy_of_a_large_photo(page, tmp_path):
    """A 1600 x 1600 photo is shown at 1024 x 1024; the preview is the rule at that size."""
    big = tmp_path / "big.png"
    with Image.open(SAMPLE) as img:
        img.convert("RGB").resize((1600, 1600), Image.Resampling.BICUBIC).save(big)
    page.set_input_files("#file", str(big))
    page.wait_for_function("!document.querySelector('#erase').disabled")
    open_tuner(page, "ycrcb")
    url = page.evaluate("document.getElementById('photo').toDataURL('image/png')")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as shown:
        display = np.asarray(shown.convert("RGB"))
    assert display.shape == (1024, 1024, 3)
    expected = retouch.create("skin", "ycrcb")(display)
    assert expected.any()
    assert np.array_equal(canvas_bits(page, "tune"), expected)


def test_tuner_shows_the_servers_error(page, screenshots):
    open_sample(page)
    open_tuner(page, "ycrcb")
    page.evaluate("document.getElementById('tune-cr_min').max = 999")  # past the method's range
    page.evaluate(SET_SLIDERS, {"cr_min": 300})
    page.wait_for_selector("#tuner[data-state=error]", timeout=30_000)
    error = page.inner_text("#error")
    assert error.startswith("Tuner preview failed:") and "cr_min" in error and "HTTP 422" in error
    assert "cr_min" in page.inner_text("#tune-out")  # the server's line, in the tuner too
    assert page.is_hidden("#tune-busy") and page.is_disabled("#tune-use")
    assert page.is_hidden("#tune")  # no stale preview under the error
    page.screenshot(path=str(screenshots / "04-tuner-error.png"))
    page.evaluate(SET_SLIDERS, {"cr_min": 133})  # back in range: the error goes
    wait_for_preview(page)
    assert page.is_hidden("#error") and not page.is_disabled("#tune-use")


def test_drop_a_large_photo_mask_is_sent_at_full_resolution(page, tmp_path, screenshots):
    """A 1600 x 1200 photo dropped on the page is shown at 1024 x 768; the mask
    downloads (and is sent) at 1600 x 1200."""
    import base64

    rng = np.random.default_rng(0)
    big = tmp_path / "big.png"
    Image.fromarray(rng.integers(0, 255, (1200, 1600, 3), dtype=np.uint8)).save(big)
    data = base64.b64encode(big.read_bytes()).decode()
    page.evaluate(
        """(b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const dt = new DataTransfer();
          dt.items.add(new File([bytes], 'big.png', {type: 'image/png'}));
          const stage = document.getElementById('stage');
          stage.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true}));
          stage.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true}));
        }""",
        data,
    )
    page.wait_for_function("!document.querySelector('#erase').disabled")
    size = "[document.getElementById('mask').width, document.getElementById('mask').height]"
    assert page.evaluate(size) == [1024, 768]
    assert "1600 × 1200" in page.inner_text("#info")
    page.keyboard.press("r")
    paint(page, [(256, 192), (512, 384)])  # display pixels: (400, 300) to (800, 600) full size
    page.screenshot(path=str(screenshots / "05-large-photo-fitted.png"))
    with page.expect_download() as info:
        page.click("#dl-mask")
    mask = read_download(info.value)
    mask = mask[:, :, 0] if mask.ndim == 3 else mask
    assert mask.shape == (1200, 1600)
    assert mask[310:590, 410:790].min() == 255
    assert mask[:290].max() == 0 and mask[610:].max() == 0
    assert mask[:, :390].max() == 0 and mask[:, 810:].max() == 0


def test_zoom_keeps_painting_in_photo_pixels(page, screenshots):
    open_sample(page)
    fit = page.locator("#mask").bounding_box()["width"]
    page.keyboard.press("+")
    page.keyboard.press("+")
    zoomed = page.locator("#mask").bounding_box()["width"]
    assert zoomed == pytest.approx(fit * 1.5625, rel=0.02)
    assert page.inner_text("#zoom-fit") == f"{round(zoomed / 512 * 100)}%"
    page.keyboard.press("r")
    paint(page, [(20, 30), (120, 90)])  # photo pixels, whatever the zoom
    page.keyboard.press("b")  # the brush outline follows the pointer, at the zoomed size
    box = page.locator("#mask").bounding_box()
    page.mouse.move(box["x"] + 400, box["y"] + 300)
    assert page.is_visible("#cursor")
    page.screenshot(path=str(screenshots / "06-zoomed.png"))
    with page.expect_download() as info:
        page.click("#dl-mask")
    mask = read_download(info.value)
    mask = mask[:, :, 0] if mask.ndim == 3 else mask
    assert mask[35:85, 25:115].min() == 255
    assert mask[95:].max() == 0 and mask[:, 125:].max() == 0
    page.keyboard.press("0")
    assert page.locator("#mask").bounding_box()["width"] == pytest.approx(fit, abs=1)
