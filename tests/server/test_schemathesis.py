"""A bounded property-based run of schemathesis against the app (in-process, no network):
every check schemathesis has, on requests generated from our own OpenAPI schema.

A hook sends real images (a small photo and a mask of its size) in the ``image`` and
``mask`` fields, so generated requests reach the methods instead of stopping at the
decoder. A well-formed request may still be refused 422 for what no schema can say
(a mask dilated over the whole image, ``options`` text that is not a JSON object of
the method's options): the acceptance check takes 422, and 404 for an unknown task
in ``/api/v1/{task}``, as answers; every other check runs as schemathesis ships it.
"""

import io

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed: pip install -e '.[serve]'")
schemathesis = pytest.importorskip("schemathesis", reason="pip install -e '.[dev]'")

from hypothesis import HealthCheck, settings  # noqa: E402  (after the import check)
from PIL import Image  # noqa: E402

from retouch.server import ServerSettings, create_app  # noqa: E402

APP = create_app(
    ServerSettings(allow_hosts=("testserver", "localhost"), max_pixels=96 * 96, timeout_s=60)
)
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "422"]}}}
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


_rng = np.random.default_rng(0)
PHOTO = _png(_rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
_hole = np.zeros((48, 64), np.uint8)
_hole[16:28, 20:36] = 255
MASK = _png(_hole)


@schemathesis.hook
def map_case(context, case):
    """Real uploads where the schema can only say "a file". A field that a negative case
    turned into another type (a boolean, a number, a list) stays as generated, so the
    request still violates the schema as schemathesis means it to."""
    if isinstance(case.body, dict):
        for name, upload in (("image", PHOTO), ("mask", MASK)):
            if isinstance(case.body.get(name), str | bytes):
                case.body[name] = upload
    return case


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_schema(case):
    case.call_and_validate()
