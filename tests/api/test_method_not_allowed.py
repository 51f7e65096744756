"""A 405 names every method its path has, in `Allow` (RFC 9110 §15.5.6), in each API's shape.

FastAPI makes one route per method, and Starlette's 405 named only the first matching
route's methods (or, through the translators, none): schemathesis's unsupported_method and
allow_header_conformance checks found both (issue 15).
"""

import httpx
import pytest


def _methods(response: httpx.Response) -> set[str]:
    return {m.strip() for m in response.headers["allow"].split(",")}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        # Toyota: GET and PUT of one vehicle are two routes.
        ("/connected/v1/vehicles/JTDKB20U793000001", {"GET", "PUT"}),
        ("/connected/v1/vehicles/JTDKB20U793000001/climate", {"GET", "PUT"}),
        # High Mobility.
        ("/v1/fleet/vehicles/JTDKB20U793000001", {"GET", "DELETE"}),
        # The operator API.
        ("/operator/v1/vehicles/JTDKB20U793000001", {"GET", "PATCH", "DELETE"}),
        # A fixed path beside a parameter's: /vehicles/import is not a VIN.
        ("/operator/v1/vehicles/import", {"POST"}),
        # Webhooks.
        ("/fleetlink/v1/webhooks", {"GET", "POST"}),
    ],
)
async def test_a_405_lists_every_method_of_the_path(
    client: httpx.AsyncClient, path: str, methods: set[str]
) -> None:
    response = await client.request("TRACE", path)

    assert response.status_code == 405, response.text
    assert methods == _methods(response) - {"HEAD"}
    assert "TRACE" not in _methods(response)
