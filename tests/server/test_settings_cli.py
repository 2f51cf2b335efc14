"""ServerSettings checks, Accept negotiation and `retouch serve` argument handling."""

import pytest

from retouch.core.errors import InputError
from retouch.server import ServerSettings
from retouch.server.negotiate import choose_format


def test_defaults_bind_to_loopback():
    settings = ServerSettings()
    assert settings.host == "127.0.0.1" and settings.loopback and settings.port == 7860
    assert settings.url == "http://127.0.0.1:7860" and settings.workers >= 1


@pytest.mark.parametrize(
    "bad",
    [
        {"max_upload_bytes": 0},
        {"max_pixels": -1},
        {"workers": 0},
        {"timeout_s": 0},
        {"port": 70000},
        {"max_pixels_in_flight": 0},
    ],
)
def test_bad_settings_are_refused(bad):
    with pytest.raises(InputError, match=next(iter(bad))):
        ServerSettings(**bad)


def test_other_hosts_are_not_loopback():
    assert not ServerSettings(host="0.0.0.0").loopback
    assert ServerSettings(host="::1", port=1).url == "http://[::1]:1"


@pytest.mark.parametrize(
    ("field", "accept", "expected"),
    [
        (None, None, "PNG"),
        (None, "", "PNG"),
        (None, "*/*", "PNG"),
        (None, "image/*", "PNG"),
        (None, "image/jpeg", "JPEG"),
        (None, "image/webp, image/jpeg;q=0.8, */*;q=0.1", "JPEG"),
        (None, "image/png;q=0, image/*", "JPEG"),
        (None, "image/png;q=0.5, image/jpeg;q=0.5", "PNG"),
        (None, "image/jpeg;q=bad, image/png;q=0.1", "PNG"),
        (None, "application/json", None),
        (None, "image/png;q=0, image/jpeg;q=0", None),
        ("jpg", "image/png", "JPEG"),
        ("PNG", "application/json", "PNG"),
    ],
)
def test_choose_format(field, accept, expected):
    assert choose_format(field, accept) == expected


@pytest.fixture
def served(monkeypatch) -> dict:
    """What ``retouch serve`` would serve: ``seen["s"]`` settings, ``seen["o"]`` --open."""
    pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")
    import retouch.server.app

    seen: dict = {}
    monkeypatch.setattr(
        retouch.server.app, "serve", lambda s, open_browser: seen.update(s=s, o=open_browser)
    )
    return seen


def test_serve_command_passes_the_limits(served):
    from retouch.cli.main import main

    argv = ["serve", "--port", "0", "--max-upload-mb", "1.5", "--max-pixels", "1000"]
    assert main([*argv, "--timeout", "2", "--workers", "3", "--open"]) == 0
    assert served["s"] == ServerSettings(
        port=0, max_upload_bytes=1_572_864, max_pixels=1000, timeout_s=2.0, workers=3
    )
    assert served["o"] is True and served["s"].host == "127.0.0.1"
    assert served["s"].max_pixels_in_flight == 2000 and served["s"].allow_hosts == ()


def test_serve_command_passes_names_origins_and_the_budget(served):
    from retouch.cli.main import main

    argv = ["serve", "--host", "192.168.1.5", "--allow-host", "photos.example"]
    argv += ["--allow-host", "[::1]:8000", "--allow-origin", "http://localhost:3000"]
    assert main([*argv, "--max-pixels", "20e6", "--max-pixels-in-flight", "1.5e7"]) == 0
    settings = served["s"]
    assert settings.allow_hosts == ("photos.example", "[::1]:8000")
    assert settings.allow_origins == ("http://localhost:3000",)
    assert "192.168.1.5" in settings.accepted_hosts and "localhost" in settings.accepted_hosts
    assert settings.max_pixels == 20_000_000 and settings.max_pixels_in_flight == 15_000_000


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--max-upload-mb=-1"], "--max-upload-mb must be more than 0 MiB"),
        (["--max-upload-mb", "0"], "--max-upload-mb must be more than 0 MiB"),
        (["--max-upload-mb", "nan"], "--max-upload-mb must be more than 0 MiB"),
        (["--max-pixels", "0"], "--max-pixels must be a positive whole number"),
        (["--max-pixels=-5e6"], "--max-pixels must be a positive whole number"),
        (["--max-pixels", "1.5"], "--max-pixels must be a positive whole number"),
        (["--max-pixels", "lots"], "--max-pixels: 'lots' is not a number"),
        (["--max-pixels-in-flight", "0"], "--max-pixels-in-flight must be a positive whole"),
        (["--timeout", "0"], "--timeout must be more than 0 seconds, got 0"),
        (["--timeout=-3"], "--timeout must be more than 0 seconds, got -3"),
        (["--timeout", "inf"], "--timeout must be more than 0 seconds, got inf"),
        (["--workers", "0"], "--workers must be at least 1, got 0"),
        (["--port", "70000"], "--port must be between 0 and 65535, got 70000"),
        (["--port=-1"], "--port must be between 0 and 65535, got -1"),
        (["--allow-origin", "localhost:3000"], "--allow-origin: 'localhost:3000' is not an"),
        (["--allow-host", "http://x.example"], "--allow-host: 'http://x.example' is not a"),
    ],
)
def test_serve_command_reports_bad_options_in_their_own_units(served, capsys, argv, expected):
    from retouch.cli.main import main

    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"retouch: error: {expected}") and err.count("\n") == 1, err
    assert "1048576" not in err and "max_" not in err, err  # the user's units and names
    assert "s" not in served  # nothing was served
