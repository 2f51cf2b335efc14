"""The page at phone, tablet and desktop sizes: every control inside the screen's width,
and painting, Erase and Download work at each size (screenshots under out/screenshots)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.web.conftest import SAMPLE

SIZES = {
    "phone": (390, 844),
    "tablet": (768, 1024),
    "small-desktop": (900, 600),
    "desktop": (1440, 900),
}

# Every visible control and its box: [what, left, right] for each one that a person can use.
CONTROLS = """() => [...document.querySelectorAll(
    'button, select, input:not([type=file]), label.btn, summary, a, textarea')]
  .filter((el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
  .map((el) => {
    const r = el.getBoundingClientRect();
    return [el.id || el.textContent.trim().slice(0, 20) || el.tagName, r.left, r.right];
  })"""

MASK_PIXELS = """() => {
  const cv = document.getElementById('mask');
  const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


def assert_inside(page, width: int, when: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, when
    controls = page.evaluate(CONTROLS)
    assert len(controls) > 20, controls
    outside = [c for c in controls if c[1] < -0.5 or c[2] > width + 0.5]
    assert not outside, (when, outside)


def paint_stroke(page, y: float = 256, x0: float = 150, x1: float = 360) -> None:
    page.locator("#mask").scroll_into_view_if_needed()
    box = page.locator("#mask").bounding_box()
    scale = box["width"] / page.evaluate("document.getElementById('mask').width")
    page.mouse.move(box["x"] + x0 * scale, box["y"] + y * scale)
    page.mouse.down()
    page.mouse.move(box["x"] + x1 * scale, box["y"] + y * scale, steps=6)
    page.mouse.up()


@pytest.mark.parametrize("size", list(SIZES))
def test_every_control_fits_and_erase_works(browser, server_url, sample_png, size, screenshots):
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server_url}/")
        page.wait_for_function("document.querySelector('#erase-method')?.options.length > 0")
        assert_inside(page, width, "empty page")
        page.screenshot(path=str(screenshots / f"layout-{size}-empty.png"), full_page=True)

        page.set_input_files("#file", str(sample_png))
        page.wait_for_function("!document.querySelector('#erase').disabled")
        frame = page.locator("#photo").bounding_box()
        assert frame["x"] >= 0 and frame["x"] + frame["width"] <= width
        assert frame["width"] > min(width, 512) * 0.6, frame  # a usable photo, not a stamp
        paint_stroke(page)
        assert page.evaluate(MASK_PIXELS) > 1000
        assert_inside(page, width, "photo with a mask")
        page.screenshot(path=str(screenshots / f"layout-{size}-mask.png"), full_page=True)

        page.select_option("#erase-method", "telea")  # the quickest fill: layout is tested here
        page.locator("#erase").scroll_into_view_if_needed()
        page.click("#erase")
        page.wait_for_selector("body[data-result=ready]", timeout=30_000)
        assert page.is_hidden("#error"), page.inner_text("#error")
        assert_inside(page, width, "result")
        page.screenshot(path=str(screenshots / f"layout-{size}-result.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#dl-result")
        assert info.value.suggested_filename == "sample_retouched.png"
        with Image.open(info.value.path()) as img:
            assert img.size == (512, 512) and img.format == "PNG"
            result = np.asarray(img.convert("RGB"))
        with Image.open(SAMPLE) as img:
            before = np.asarray(img.convert("RGB"))
        assert (np.abs(result.astype(int) - before).sum(axis=2)[250:262, 170:340] > 0).mean() > 0.9

        page.keyboard.press("?")
        box = page.locator("#help").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        page.screenshot(path=str(screenshots / f"layout-{size}-help.png"))
        page.keyboard.press("Escape")
        page.goto(f"{server_url}/docs")
        page.wait_for_selector("body[data-ready=true]")
        page.click(".op >> nth=1")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(screenshots / f"layout-{size}-docs.png"))
    finally:
        context.close()
    assert not errors, errors
