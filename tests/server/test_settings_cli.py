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


def test_serve_command_passes_the_limits(monkeypatch):
    pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")
    import retouch.server.app
    from retouch.cli.main import main

    seen = {}
    monkeypatch.setattr(
        retouch.server.app, "serve", lambda s, open_browser: seen.update(s=s, o=open_browser)
    )
    argv = ["serve", "--port", "0", "--max-upload-mb", "1.5", "--max-pixels", "1000"]
    assert main([*argv, "--timeout", "2", "--workers", "3", "--open"]) == 0
    assert seen["s"] == ServerSettings(
        port=0, max_upload_bytes=1_572_864, max_pixels=1000, timeout_s=2.0, workers=3
    )
    assert seen["o"] is True and seen["s"].host == "127.0.0.1"


def test_serve_command_reports_bad_limits(capsys):
    from retouch.cli.main import main

    assert main(["serve", "--workers", "0"]) == 2
    assert "workers must be at least 1" in capsys.readouterr().err
