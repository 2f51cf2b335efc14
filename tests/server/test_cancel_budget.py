"""Work past its time limit or abandoned by its client stops; pixels in flight are bounded."""

import asyncio
import concurrent.futures
import socket
import threading
import time

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")

from retouch.core.cancel import Cancelled, check_cancelled
from retouch.server import ServerSettings, create_app
from tests.server.conftest import make_client, png


class SlowFill:
    """Stands in for ``retouch.inpaint.erase``: works ``seconds``, checking for cancellation
    every 10 ms like a real fill's loops (unless ``cooperative`` is False)."""

    def __init__(self, seconds: float = 10.0, *, cooperative: bool = True) -> None:
        self.seconds, self.cooperative = seconds, cooperative
        self.started, self.stopped = threading.Event(), threading.Event()
        self.cancelled: str | None = None
        self.stopped_at = 0.0
        self.running = self.most = 0
        self._lock = threading.Lock()

    def __call__(self, image, mask, **options):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.set()
        try:
            end = time.monotonic() + self.seconds
            while time.monotonic() < end:
                if self.cooperative:
                    check_cancelled()
                time.sleep(0.01)
            return image.copy()
        except Cancelled as exc:
            self.cancelled = str(exc)
            raise
        finally:
            with self._lock:
                self.running -= 1
            self.stopped_at = time.monotonic()
            self.stopped.set()


@pytest.fixture
def slow(monkeypatch):
    """Install a SlowFill made by the returned function as the erase behind /erase."""
    import retouch.inpaint

    def install(*args, **kwargs) -> SlowFill:
        fill = SlowFill(*args, **kwargs)
        monkeypatch.setattr(retouch.inpaint, "erase", fill)
        return fill

    return install


def _erase(client, image, mask, **kwargs):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    return client.post("/api/v1/erase", files=files, **kwargs)


def _wait_until(condition, seconds: float = 3.0) -> bool:
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)
    return condition()


def test_timed_out_work_is_answered_503_and_stops(image, mask, slow, monkeypatch):
    import retouch.inpaint

    real, fill = retouch.inpaint.erase, slow(10.0)
    with make_client(timeout_s=0.5, workers=1) as client:
        start = time.monotonic()
        r = _erase(client, image, mask)
        answered = time.monotonic() - start
        assert r.status_code == 503 and "limit of 0.5 s" in r.json()["error"]
        assert answered < 2.5, answered
        assert fill.stopped.wait(3.0), "the timed-out work is still running"
        assert fill.cancelled and "limit of 0.5 s" in fill.cancelled
        assert fill.stopped_at - start < 0.5 + 1.5  # stopped within 1.5 s of the timeout
        monkeypatch.setattr(retouch.inpaint, "erase", real)
        start = time.monotonic()  # the only worker is free again at once
        assert _erase(client, image, mask, data={"method": "telea"}).status_code == 200
        assert time.monotonic() - start < 5.0
        assert _wait_until(lambda: client.app.state.engine.budget.used == 0)


@pytest.fixture
def live_server():
    """(url, app) of an app served by uvicorn on 127.0.0.1 (a free port) in a thread."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(ServerSettings(port=port, workers=1, timeout_s=30))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert _wait_until(lambda: server.started, 20.0), "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(timeout=10)


def test_work_stops_when_the_client_goes_away(live_server, image, mask, slow):
    import httpx

    url, app = live_server
    fill = slow(20.0)
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    start = time.monotonic()
    with pytest.raises(httpx.TimeoutException):  # the client gives up and hangs up
        httpx.post(f"{url}/api/v1/erase", files=files, timeout=1.0)
    assert fill.stopped.wait(3.0), "the abandoned work is still running"
    assert fill.cancelled == "the client closed the connection"
    assert fill.stopped_at - start < 1.0 + 1.5
    assert _wait_until(lambda: app.state.engine.budget.used == 0)
    assert httpx.get(f"{url}/api/v1/methods", timeout=5).status_code == 200


@pytest.mark.parametrize(("budget", "together"), [(10_000, 1), (20_000, 2)])
def test_requests_over_the_pixel_budget_wait_their_turn(image, mask, slow, budget, together):
    fill = slow(0.8)  # each 96 x 80 image is 7680 px
    settings = {"max_pixels": 128 * 128, "max_pixels_in_flight": budget, "workers": 2}
    with make_client(timeout_s=10, **settings) as client:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: _erase(client, image, mask), range(2)))
        assert [r.status_code for r in answers] == [200, 200]
        assert fill.most == together
        assert _wait_until(lambda: client.app.state.engine.budget.used == 0)


def test_waiting_for_room_past_the_timeout_is_503(image, mask, slow):
    fill = slow(3.0, cooperative=False)  # holds its pixels until its thread is done
    settings = {"max_pixels": 128 * 128, "max_pixels_in_flight": 10_000, "workers": 2}
    with make_client(timeout_s=0.6, **settings) as client:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            first = pool.submit(_erase, client, image, mask)
            assert fill.started.wait(3.0)
            second = _erase(client, image, mask)
            assert first.result().status_code == 503
        error = second.json()["error"]
        assert second.status_code == 503 and "waited its turn" in error, error
        assert "behind 7680 pixels" in error and "at most 10000 pixels at once" in error
        assert fill.most == 1  # the second never started
        assert _wait_until(lambda: client.app.state.engine.budget.used == 0, 5.0)


def test_an_image_over_the_whole_budget_is_413(image, mask):
    with make_client(max_pixels=128 * 128, max_pixels_in_flight=5_000) as client:
        r = _erase(client, image, mask)
        assert r.status_code == 413, r.text
        error = r.json()["error"]
        assert "7680 pixels" in error and "5000 pixels" in error, error
        assert "--max-pixels-in-flight" in error


def test_every_answer_gives_its_pixels_back(client, image, mask):
    attempts = [
        _erase(client, image, mask, data={"method": "telea"}),  # 200
        _erase(client, image, mask[:-10]),  # 422: sizes differ
        _erase(client, image, np.zeros((96, 200), np.uint8)),  # 413: mask over the limit
    ]
    files = {"image": ("a.png", png(image)[:200]), "mask": ("m.png", png(mask))}
    attempts.append(client.post("/api/v1/erase", files=files))  # 400: truncated
    assert [r.status_code for r in attempts] == [200, 422, 413, 400]
    assert _wait_until(lambda: client.app.state.engine.budget.used == 0)


def test_pixel_budget_serves_in_turn_and_skips_who_gave_up():
    from retouch.server.engine import PixelBudget

    async def scenario() -> list[str]:
        budget, log = PixelBudget(10), []
        await budget.acquire(5)

        async def take(name: str, pixels: int) -> None:
            await budget.acquire(pixels)
            log.append(name)

        big = asyncio.ensure_future(take("big", 8))
        small = asyncio.ensure_future(take("small", 1))
        await asyncio.sleep(0.01)
        log.append(f"waiting {budget.used}")  # small fits, but waits behind big
        big.cancel()
        await asyncio.sleep(0.01)  # big gave up: small goes on
        budget.release(5)
        await asyncio.wait_for(small, 1)
        log.append(f"used {budget.used}")
        return log

    assert asyncio.run(scenario()) == ["waiting 5", "small", "used 1"]
