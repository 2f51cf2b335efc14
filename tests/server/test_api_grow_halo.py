"""erase's grow_halo form field: in the OpenAPI schema and the catalogue, checked, applied."""

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")

from retouch.inpaint.halo import MAX_HALO_PX
from tests.inpaint.test_halo import BACKDROP, disk_photo
from tests.server.conftest import decode, png


def _erase(client, image, mask, **fields):
    files = {"image": ("a.png", png(image)), "mask": ("m.png", png(mask))}
    return client.post("/api/v1/erase", files=files, data=fields)


def test_grow_halo_is_in_the_schema_and_the_catalogue(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    field = schema["Body_erase_api_v1_erase_post"]["properties"]["grow_halo"]
    assert field["minimum"] == 0 and field["maximum"] == MAX_HALO_PX and field["default"] == 0
    assert "halo" in field["description"]
    fields = client.get("/api/v1/methods").json()["tasks"]["erase"]["fields"]
    assert fields["grow_halo"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_HALO_PX,
        "default": 0,
    }


def test_grow_halo_fills_the_halo_the_rough_mask_leaves(client):
    photo, mask, alpha, r = disk_photo()
    rough, _ = decode(_erase(client, photo, mask, method="telea").content)
    r_grown = _erase(client, photo, mask, method="telea", grow_halo="4")
    assert r_grown.status_code == 200, r_grown.text
    grown, _ = decode(r_grown.content)
    ring = (alpha > 0.25) & (mask == 0)
    assert np.array_equal(rough[ring], photo[ring])
    error = np.abs(grown[ring].astype(int) - BACKDROP).mean()
    assert error < 0.3 * np.abs(photo[ring].astype(int) - BACKDROP).mean()
    assert np.array_equal(grown[r > 12 + 4.5], photo[r > 12 + 4.5])


@pytest.mark.parametrize("value", ["-1", str(MAX_HALO_PX + 1), "1.5", "lots"])
def test_a_bad_grow_halo_is_422(client, value):
    photo, mask, _, _ = disk_photo(size=32, radius=8)
    r = _erase(client, photo, mask, grow_halo=value)
    assert r.status_code == 422 and "grow_halo" in r.json()["error"]
