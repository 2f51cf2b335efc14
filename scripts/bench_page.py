"""The web page's big-photo path, timed as a user meets it: a JPEG with EXIF (24 MP by
default) opened in the page, a brush stroke over about 1 % of it, Erase clicked, the
result shown and downloaded. Prints click-to-result seconds per run and method, their
medians and the ratio to ``telea`` measured in the same run, and checks the download
(a JPEG of the input's size with its EXIF).

    .venv/bin/python scripts/bench_page.py [--megapixels 24] [--runs 3] [--methods patchmatch,telea]

Needs the serve and web extras and Debian's Chromium (/usr/bin/chromium). The server
listens on a free 127.0.0.1 port and stops when the script ends; nothing else is
contacted. The first run of each method includes loading its compiled kernels.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "retouch" / "data" / "sample.jpg"
MAKE = 0x010F  # EXIF Make


def big_jpeg(path: Path, megapixels: float) -> tuple[int, int]:
    """The bundled sample scaled to ``megapixels`` (3:2), with grain, as a JPEG with EXIF."""
    w = round((megapixels * 1e6 * 1.5) ** 0.5)
    h = round(w / 1.5)
    img = cv2.resize(np.asarray(Image.open(SAMPLE).convert("RGB")), (w, h), cv2.INTER_CUBIC)
    grain = np.random.default_rng(0).normal(0, 4, img.shape)
    img = np.clip(img + grain, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[MAKE] = "RetouchBench"
    Image.fromarray(img).save(path, quality=90, exif=exif)
    return w, h


def serve() -> tuple[object, str]:
    import uvicorn

    from retouch.server import ServerSettings, create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(ServerSettings(port=port, workers=2))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            sys.exit("bench_page: the server did not start within 30 s")
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def stroke(page) -> None:
    """A diagonal brush stroke, 14 display px wide, over about 1 % of the photo."""
    page.evaluate(
        "(() => { const s = document.getElementById('size'); s.value = 14;"
        " s.dispatchEvent(new Event('input')); })()"
    )
    box = page.locator("#mask").bounding_box()
    width = page.evaluate("document.getElementById('mask').width")
    k = box["width"] / width
    points = [(0.25 * width + 4 * i, 0.45 * width * 2 / 3 + 2.1 * i) for i in range(0, 121, 5)]
    page.mouse.move(box["x"] + points[0][0] * k, box["y"] + points[0][1] * k)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * k, box["y"] + y * k, steps=4)
    page.mouse.up()


def run(page, photo: Path, method: str, size: tuple[int, int]) -> float:
    page.set_input_files("#file", str(photo))  # a new name each run: a real open, a clean mask
    page.wait_for_selector("body:not([data-result])")  # the new photo is shown, no result
    page.wait_for_function("!document.querySelector('#erase').disabled")
    page.select_option("#erase-method", method)
    stroke(page)
    start = time.perf_counter()
    page.click("#erase")
    page.wait_for_selector("body[data-result=ready]", timeout=300_000)
    seconds = time.perf_counter() - start
    with page.expect_download() as info:
        page.click("#dl-result")
    with Image.open(info.value.path()) as out:
        ok = out.format == "JPEG" and out.size == size and out.getexif().get(MAKE) == "RetouchBench"
    if not ok:
        sys.exit(f"bench_page: the {method} download is not a {size} JPEG with the EXIF")
    return seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--megapixels", type=float, default=24.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--methods", default="patchmatch,telea")
    args = p.parse_args()
    if not 0.1 <= args.megapixels <= 60 or args.runs < 1:
        p.error("--megapixels must be 0.1-60 and --runs >= 1")
    from playwright.sync_api import sync_playwright

    methods = [m for m in args.methods.split(",") if m]
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "big.jpg"
        size = big_jpeg(photo, args.megapixels)
        server, url = serve()
        times: dict[str, list[float]] = {m: [] for m in methods}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    headless=True,
                    args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
                )
                ctx = browser.new_context(
                    viewport={"width": 1440, "height": 900}, accept_downloads=True
                )
                page = ctx.new_page()
                page.goto(f"{url}/")
                page.wait_for_function(
                    "document.querySelector('#erase-method')?.options.length > 0"
                )
                for i in range(args.runs):
                    for m in methods:  # interleaved, so a load change hits both
                        copy = photo.with_name(f"big_{i}_{m}.jpg")
                        copy.write_bytes(photo.read_bytes())
                        times[m].append(run(page, copy, m, size))
                        print(f"run {i + 1} {m}: {times[m][-1]:.2f} s click to result", flush=True)
                browser.close()
        finally:
            server.should_exit = True
    head = f"{size[0]} x {size[1]} JPEG, about 1 % brush mask, click to result"
    print(f"{head} (median of {args.runs}):")
    base = statistics.median(times["telea"]) if "telea" in times else None
    for m, ts in times.items():
        ratio = f", {statistics.median(ts) / base:.1f}x telea" if base else ""
        runs = ", ".join(f"{t:.2f}" for t in ts)
        print(f"  {m:<12} {statistics.median(ts):6.2f} s (runs: {runs}){ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
