"""Every path under an API's prefix is answered by that API, in its own shape.

Starlette's mount pattern is `.*`, which stops at a line break: a path parameter whose
decoded form held one (`%0A`) fell through to the root's bare JSON 404, which neither
contract documents. Schemathesis found it on the owner panel.
"""

import httpx
import pytest

from tests.conftest import Owner, OwnerFactory


async def test_a_line_break_in_an_owner_panel_path_gets_a_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/oauth/no%0Awhere")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


async def test_a_line_break_in_a_panel_parameter_reaches_the_panel(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/oauth/grants/%0Ax%5C/revoke", data={"csrf": "x"})

    assert response.status_code == 303
    assert response.headers["location"].startswith("/oauth/sign-in")


async def test_a_line_break_in_a_vin_gets_high_mobilitys_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/eligibility/%0AJTDKB20U793000001", headers={})

    assert response.status_code in (400, 401, 404)
    assert response.json()["errors"][0]["detail"]


async def test_a_line_break_in_a_vin_gets_toyotas_error(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner: Owner = await make_owner(count=1)

    response = await client.get("/connected/v1/vehicles/%0Aabc/status", headers=owner.headers)

    assert response.status_code in (400, 404)
    assert response.json()["code"] in ("BAD_REQUEST", "NOT_FOUND")


@pytest.mark.parametrize("path", ["/healthz", "/metrics", "/.well-known/jwks.json"])
async def test_a_root_route_asked_with_another_method_is_a_405_not_the_web_apps_404(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.request("TRACE", path)

    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET"
