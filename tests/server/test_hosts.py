"""The server answers only requests for its own names, from its own pages (or allowed ones)."""

import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")

from retouch.core.errors import InputError
from retouch.server import ServerSettings
from tests.server.conftest import make_client, png

OWN = "127.0.0.1:7860"


@pytest.fixture(scope="module")
def strict():
    """An app with the default host policy (TestClient's ``testserver`` is not allowed)."""
    with make_client(allow_hosts=()) as c:
        yield c


def _refused(response, *words: str) -> str:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/json"
    message = response.json()["error"]
    for word in words:
        assert word in message, message
    return message


def test_another_host_is_403_and_says_how_to_allow_it(strict):
    r = strict.get("/api/v1/methods", headers={"host": "evil.example"})
    _refused(r, "evil.example", "--allow-host evil.example")


def test_testserver_is_not_a_name_of_the_server(strict):
    _refused(strict.get("/api/v1/methods"), "testserver")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:7860", "LOCALHOST:1", "[::1]:8000"])
def test_loopback_hosts_with_any_port_are_answered(strict, host):
    assert strict.get("/api/v1/methods", headers={"host": host}).status_code == 200


def test_a_page_of_another_origin_is_403(strict, image, mask):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    headers = {"host": OWN, "origin": "http://evil.example"}
    r = strict.post("/api/v1/erase", files=files, headers=headers)
    _refused(r, "http://evil.example", "--allow-origin http://evil.example")


@pytest.mark.parametrize(
    "origin",
    ["http://127.0.0.1:7861", "http://localhost:7860", "http://127.0.0.1", "null", "x"],
)
def test_origin_must_be_the_host_and_port_of_the_request(strict, origin):
    r = strict.get("/api/v1/methods", headers={"host": OWN, "origin": origin})
    _refused(r, "--allow-origin")


def test_the_servers_own_page_is_answered(strict, image, mask):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    headers = {"host": OWN, "origin": f"http://{OWN}"}
    r = strict.post("/api/v1/erase", files=files, data={"method": "telea"}, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    headers = {"host": "localhost", "origin": "http://localhost:80"}  # default port
    assert strict.get("/api/v1/methods", headers=headers).status_code == 200


def test_refused_before_the_body_is_read(strict):
    r = strict.post("/api/v1/erase", content=b"x" * 3_000_000, headers={"host": "evil.example"})
    _refused(r, "evil.example")  # not 413: the body is never buffered


def test_hosts_and_origins_allowed_by_settings_are_answered(image):
    settings = {
        "allow_hosts": ("photos.example", "proxy.example:8443"),
        "allow_origins": ("http://localhost:3000/",),
    }
    with make_client(**settings) as c:
        assert c.get("/api/v1/methods", headers={"host": "Photos.Example:9"}).status_code == 200
        assert c.get("/", headers={"host": "proxy.example:8443"}).status_code == 200
        _refused(c.get("/", headers={"host": "proxy.example:8444"}), "proxy.example")
        headers = {"host": OWN, "origin": "http://localhost:3000"}
        r = c.get("/api/v1/methods", headers=headers)
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
        _refused(c.get("/", headers={"host": OWN, "origin": "http://localhost:3001"}))


def test_any_host_and_origin_with_a_star():
    with make_client(allow_hosts=("*",), allow_origins=("*",)) as c:
        headers = {"host": "evil.example", "origin": "http://evil.example"}
        assert c.get("/api/v1/methods", headers=headers).status_code == 200


def test_the_bound_address_is_a_name_of_the_server():
    settings = ServerSettings(host="192.168.1.5")
    assert "192.168.1.5" in settings.accepted_hosts
    with make_client(host="192.168.1.5", allow_hosts=()) as c:
        assert c.get("/", headers={"host": "192.168.1.5:7860"}).status_code == 200
        _refused(c.get("/", headers={"host": "192.168.1.6:7860"}))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("allow_origins", ("localhost:3000",)),
        ("allow_origins", ("ftp://x.example",)),
        ("allow_origins", ("http://x.example/page",)),
        ("allow_hosts", ("http://x.example",)),
        ("allow_hosts", ("x.example:http",)),
        ("allow_hosts", "x.example"),
    ],
)
def test_bad_allow_entries_are_refused(field, value):
    with pytest.raises(InputError):
        ServerSettings(**{field: value})


def test_names_are_compared_in_one_form():
    from retouch.server.settings import normalize_origin, split_host

    assert split_host("[::1]:80") == ("::1", "80") and split_host("Example.COM.") == (
        "example.com",
        None,
    )
    assert normalize_origin("https://X.example:443") == "https://x.example"
    assert normalize_origin("http://[::1]:7860/") == "http://[::1]:7860"
