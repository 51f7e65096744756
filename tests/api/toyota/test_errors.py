"""Failures nobody planned for still answer in the contract's Error shape, never a traceback."""

from dataclasses import replace
from datetime import datetime

import httpx

from fleetlink.bootstrap import Container
from tests.conftest import ClientFactory, OwnerFactory


def _broken_clock() -> datetime:
    raise RuntimeError("the clock fell off the wall")


async def test_an_unexpected_failure_is_a_500_error_with_the_request_id(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    broken = replace(container, services=replace(container.services, clock=_broken_clock))
    client = await make_client(broken)

    response = await client.post(
        f"/connected/v1/vehicles/{owner.vehicles[0].vin}/remote-command",
        headers=owner.headers,
        json={"command": "lock"},
    )

    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "INTERNAL_ERROR"
    assert response.headers["x-request-id"] in body["message"]
    assert "Traceback" not in response.text and "clock" not in response.text


async def test_unknown_paths_and_methods_answer_in_the_error_shape(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    missing = await client.get("/connected/v1/garage", headers=owner.headers)
    wrong_method = await client.delete(
        f"/connected/v1/vehicles/{owner.vehicles[0].vin}", headers=owner.headers
    )

    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "METHOD_NOT_ALLOWED")
