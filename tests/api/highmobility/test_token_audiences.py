"""Each API takes only its own tokens: High Mobility tokens never open the Toyota API, even
an owner's, whose subject is the owner's account; and the reverse."""

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from fleetlink.bootstrap import Container
from tests.conftest import OwnerFactory
from tests.oauth import bearer, client_credentials, owner_consent, register_client, scope_probe


@pytest_asyncio.fixture
async def probe(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with await scope_probe(container) as client:
        yield client


async def test_the_toyota_api_refuses_high_mobility_tokens(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    owner_token = (await owner_consent(client, app, owner))["access_token"]
    fleet_token = await client_credentials(client, app)

    for token in (owner_token, fleet_token):
        response = await client.get("/connected/v1/vehicles", headers=bearer(token))
        assert response.status_code == 401
        assert "not meant for this API" in response.json()["message"]


async def test_the_high_mobility_api_refuses_toyota_tokens(
    probe: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    response = await probe.get("/probe/vehicle:data", headers=owner.headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "not meant for this API" in response.json()["errors"][0]["detail"]


async def test_a_fleet_token_without_the_scope_an_endpoint_needs_gets_403(
    container: Container, client: httpx.AsyncClient, probe: httpx.AsyncClient
) -> None:
    app = await register_client(container)
    token = await client_credentials(client, app, "vehicle:data")

    allowed = await probe.get("/probe/vehicle:data", headers=bearer(token))
    refused = await probe.get("/probe/fleet:clearance", headers=bearer(token))

    assert allowed.status_code == 200
    assert allowed.json() == {"client_id": app.client_id, "grant_id": None}
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["title"] == "Forbidden"
