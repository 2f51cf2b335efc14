"""The page and its files as the app serves them (no browser needed)."""

from tests.conftest import need_module
from tests.server.conftest import make_client  # imports fastapi only when called

need_module("fastapi", "pip install -e '.[serve]'")


def test_index_and_static_files_are_served():
    with make_client() as client:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        for asset in ("/static/app.js", "/static/style.css"):
            assert asset in page.text
            assert client.get(asset).status_code == 200
        missing = client.get("/static/nothing.js")
        assert missing.status_code == 404 and "error" in missing.json()
        assert "/" not in client.get("/openapi.json").json()["paths"]


def test_page_never_names_a_method_or_an_option():
    """Menus and tuner sliders come from GET /api/v1/methods, so no method or option name
    is typed in the page (one source for every rule)."""
    from retouch.server.app import STATIC
    from retouch.server.tasks import task_catalogue

    text = "".join(p.read_text() for p in STATIC.iterdir())
    for verb, task in task_catalogue().items():
        for method in task["methods"]:
            for name in (method["name"], *method["options"]):
                assert f'"{name}"' not in text and f">{name}<" not in text, (verb, name)
