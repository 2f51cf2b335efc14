#!/usr/bin/env python
"""End-to-end speed and memory of the HTTP API (``retouch serve``) on this machine.

    .venv/bin/python scripts/bench_server.py [--data ../shared/data] [--requests 50]

Starts ``retouch serve`` on 127.0.0.1 (a free port; loopback only), then
(1) erases a 10% mask from a 1 MP photo, twice (cold: compiled kernels load;
warm), printing the seconds each round trip takes and whether every pixel outside
the mask came back unchanged, and (2) after one warm-up request per task (models
load), sends ``--requests`` requests, ``--concurrency`` at a time, cycling erase,
person, face and skin on the same photo, printing errors, timings and the server's
RSS before and after (``--rounds`` repeats the load to show whether RSS settles).
Every wait is bounded; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import httpx
import numpy as np

from retouch.core.io import decode_image, encode_image, read_image

PHOTO = "portraits/girl-2099354_1920.jpg"
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "retouch" / "data" / "sample.jpg"
TASKS = ("erase", "person", "face", "skin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def photo_and_mask(data: Path, megapixels: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The photo resized to ``megapixels`` and a mask of five ellipses (10% of it)."""
    image = read_image(data / PHOTO if (data / PHOTO).is_file() else SAMPLE)
    h, w = image.shape[:2]
    s = (megapixels * 1e6 / (h * w)) ** 0.5
    image = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    a = b = int((0.02 * h * w / np.pi) ** 0.5)  # five discs of 2% each
    for fx, fy in ((0.2, 0.25), (0.75, 0.2), (0.5, 0.55), (0.2, 0.8), (0.8, 0.8)):
        cv2.ellipse(mask, (int(fx * w), int(fy * h)), (a, b), 0, 0, 360, 255, -1)
    return image, mask


def start_server(port: int, workers: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "retouch.cli.main", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until_up(client: httpx.Client, server: subprocess.Popen, wait_s: float = 60) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            if client.get("/api/v1/methods").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {wait_s:.0f} s")


def post(client: httpx.Client, task: str, image: bytes, mask: bytes) -> httpx.Response:
    files = {"image": ("photo.png", image)}
    if task == "erase":
        files["mask"] = ("mask.png", mask)
    return client.post(f"/api/v1/{task}", files=files)


def send(client: httpx.Client, task: str, image: bytes, mask: bytes) -> tuple[int, float]:
    start = time.perf_counter()
    code = post(client, task, image, mask).status_code
    return code, time.perf_counter() - start


def erase_once(client: httpx.Client, image: np.ndarray, mask: np.ndarray, label: str) -> None:
    """One timed 1 MP erase; checks the pixels outside the mask are unchanged."""
    image_png, mask_png = encode_image(image, "PNG"), encode_image(mask, "PNG")
    start = time.perf_counter()
    r = post(client, "erase", image_png, mask_png)
    seconds = time.perf_counter() - start
    same = r.status_code == 200 and np.array_equal(
        decode_image(r.content).rgb[mask == 0], image[mask == 0]
    )
    print(
        f"erase 1 MP, 10% mask, {label}: HTTP {r.status_code} in {seconds:.2f} s "
        f"(upload, decode, fill, encode, download); outside unchanged: {same}"
    )


def run_load(client, image: bytes, mask: bytes, n: int, concurrency: int) -> list:
    with ThreadPoolExecutor(concurrency) as pool:
        jobs = [pool.submit(send, client, TASKS[i % len(TASKS)], image, mask) for i in range(n)]
        return [(TASKS[i % len(TASKS)], *job.result()) for i, job in enumerate(jobs)]


def report_load(results: list, seconds: float) -> None:
    errors = [(task, code) for task, code, _ in results if code != 200]
    print(f"load: {len(results)} requests in {seconds:.1f} s, {len(errors)} errors {errors}")
    for task in TASKS:
        times = [t for name, code, t in results if name == task and code == 200]
        if times:
            print(
                f"  {task:<7} n={len(times):<3} median {statistics.median(times):6.2f} s"
                f"  max {max(times):6.2f} s (round trip, queueing included)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="the server's --workers")
    parser.add_argument("--rounds", type=int, default=1, help="load rounds (RSS after each)")
    args = parser.parse_args()
    image, mask = photo_and_mask(args.data)
    print(f"photo {image.shape[1]}x{image.shape[0]}, mask {np.mean(mask > 0):.1%} of it")
    image_png, mask_png = encode_image(image, "PNG"), encode_image(mask, "PNG")
    port = free_port()
    server = start_server(port, args.workers)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            wait_until_up(client, server)
            print(f"server pid {server.pid} on 127.0.0.1:{port}, RSS {rss_mib(server.pid):.0f} MiB")
            for label in ("cold", "warm"):
                erase_once(client, image, mask, label)
            for task in TASKS:  # load every model before measuring
                post(client, task, image_png, mask_png).raise_for_status()
            print(f"RSS before the load (every model loaded): {rss_mib(server.pid):.0f} MiB")
            for round_ in range(1, args.rounds + 1):
                start = time.perf_counter()
                results = run_load(client, image_png, mask_png, args.requests, args.concurrency)
                report_load(results, time.perf_counter() - start)
                print(f"RSS after load round {round_}: {rss_mib(server.pid):.0f} MiB")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
