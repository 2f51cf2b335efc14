"""The web page at ``/`` driven in headless Chromium: open, paint, erase, download."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

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


def open_sample(page) -> None:
    page.set_input_files("#file", str(SAMPLE))
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


def test_empty_page_menus_come_from_the_api(page, server_url, screenshots):
    import httpx

    tasks = httpx.get(f"{server_url}/api/v1/methods").json()["tasks"]
    for task in ("erase", "person", "skin", "face"):
        options = page.eval_on_selector_all(f"#{task}-method option", "o => o.map(x => x.value)")
        assert options == [m["name"] for m in tasks[task]["methods"]]
        assert page.input_value(f"#{task}-method") == tasks[task]["default"]
    parts = page.eval_on_selector_all("#face-part option", "o => o.map(x => x.value)")
    assert parts == tasks["face"]["choices"]["part"]
    assert page.is_disabled("#erase") and page.is_visible("#drop-hint")
    page.screenshot(path=str(screenshots / "01-empty.png"))


def test_paint_erase_compare_and_download(page, screenshots):
    open_sample(page)
    assert page.evaluate(
        "[document.getElementById('mask').width, document.getElementById('mask').height]"
    ) == [512, 512]
    page.fill("#dilate", "0")
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


def test_errors_are_shown(page, screenshots):
    open_sample(page)
    page.click("#erase")  # nothing painted: the page says so, no request
    assert "mask is empty" in page.inner_text("#error")
    paint(page, [(200, 200), (260, 200)])
    page.fill("#dilate", "999")  # the API answers 422 with {"error": ...}
    page.click("#erase")
    page.wait_for_function(
        "!document.getElementById('error').hidden && "
        "document.getElementById('error').textContent.includes('HTTP 422')"
    )
    assert page.inner_text("#error").startswith("Erase failed:")
    page.screenshot(path=str(screenshots / "07-error.png"))
    assert page.is_hidden("#busy") and not page.is_disabled("#erase")


@pytest.mark.parametrize("task", ["person", "skin", "face"])
def test_segmenter_fills_an_editable_mask(page, task, screenshots):
    need_module("mediapipe", "scripts/setup.sh segment")
    open_sample(page)
    page.click(f"#seg-{task}")
    page.wait_for_function(
        "document.getElementById('status').textContent.includes('added') || "
        "!document.getElementById('error').hidden",
        timeout=30_000,
    )
    assert page.is_hidden("#error"), page.inner_text("#error")
    assert page.evaluate(MASK_PIXELS) > 0
    page.screenshot(path=str(screenshots / f"08-mask-{task}.png"))
    page.click("#undo")
    assert page.evaluate(MASK_PIXELS) == 0


def test_skin_tuner_previews_and_fills_the_mask(page, screenshots):
    open_sample(page)
    assert page.is_hidden("#tune")
    page.click("#tuner summary")
    page.wait_for_selector("#tune", state="visible")
    share = float(page.inner_text("#tune-out").split("%")[0])
    assert 0 < share < 60  # the astronaut's face and hand, not the whole photo
    page.screenshot(path=str(screenshots / "04-skin-tuner.png"))

    page.fill(".tune[data-key=crMin]", "255")  # no pixel has Cr over 255
    page.dispatch_event(".tune[data-key=crMin]", "input")
    assert page.inner_text("#tune-out").startswith("0.0%")
    page.fill(".tune[data-key=crMin]", "133")
    page.dispatch_event(".tune[data-key=crMin]", "input")
    assert float(page.inner_text("#tune-out").split("%")[0]) == share
    for key, value in [("vMax", "10"), ("hMin", "60")]:  # too dark / hue range 60..50 wraps
        page.fill(f".tune[data-key={key}]", value)
        page.dispatch_event(f".tune[data-key={key}]", "input")
    vmax_hmin = float(page.inner_text("#tune-out").split("%")[0])
    assert vmax_hmin == 0.0  # value max 10 %: no skin pixel is that dark
    page.fill(".tune[data-key=vMax]", "100")
    page.dispatch_event(".tune[data-key=vMax]", "input")
    wrapped = float(page.inner_text("#tune-out").split("%")[0])
    assert wrapped >= share  # 60..50 wraps through red: a superset of 0..50
    page.fill(".tune[data-key=hMin]", "0")
    page.dispatch_event(".tune[data-key=hMin]", "input")
    page.click("#tune-use")
    n = page.evaluate(MASK_PIXELS)
    assert abs(n / (512 * 512) * 100 - share) < 0.1
    page.click("#undo")
    assert page.evaluate(MASK_PIXELS) == 0


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
