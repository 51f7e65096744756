"""Operator tokens open the operator API and nothing else; no other token opens it."""

from datetime import timedelta

import httpx
import pytest

from fleetlink.auth.tokens import OPERATOR_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.domain.errors import Unauthenticated
from fleetlink.services.operators import authenticate_operator
from tests.api.conftest import FleetFactory
from tests.api.operator.conftest import PREFIX, OperatorCaller
from tests.conftest import OwnerFactory


async def test_a_request_without_a_token_is_401_in_the_operator_shape(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{PREFIX}/vehicles")

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "UNAUTHORIZED"
    assert "Authorization" in body["message"]
    assert body["requestId"] == response.headers["x-request-id"]


async def test_an_owners_toyota_token_is_refused(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    response = await client.get(f"{PREFIX}/vehicles", headers=owner.headers)

    assert response.status_code == 401
    assert response.json()["message"] == "token is not meant for this API"


async def test_a_fleets_high_mobility_token_is_refused(
    client: httpx.AsyncClient, make_fleet: FleetFactory
) -> None:
    fleet = await make_fleet(client)

    response = await client.get(f"{PREFIX}/owners", headers=fleet.headers)

    assert response.status_code == 401


async def test_an_operator_token_is_refused_by_the_toyota_api(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    response = await client.get("/connected/v1/vehicles", headers=operator.headers)

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


async def test_an_operator_token_is_refused_by_the_high_mobility_api(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    response = await client.get("/v1/fleet/vehicles", headers=operator.headers)

    assert response.status_code == 401
    assert response.json()["errors"]


async def test_a_token_for_an_operator_who_does_not_exist_is_refused(
    container: Container,
) -> None:
    now = container.services.clock()
    token = await container.tokens.issue(
        "00000000-0000-0000-0000-000000000000", OPERATOR_AUDIENCE, timedelta(minutes=5), now
    )

    with pytest.raises(Unauthenticated, match="no longer exists"):
        await authenticate_operator(container.services, container.tokens, token)


async def test_the_operator_api_serves_its_own_document_and_docs(
    client: httpx.AsyncClient,
) -> None:
    document = await client.get(f"{PREFIX}/openapi.json")
    docs = await client.get(f"{PREFIX}/docs")

    assert document.status_code == 200
    assert document.json()["servers"][0]["url"] == PREFIX
    assert "/vehicles/{vin}/owner" in document.json()["paths"]
    assert docs.status_code == 200 and f"{PREFIX}/openapi.json" in docs.text


async def test_an_unknown_path_under_the_prefix_answers_in_the_operator_shape(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    response = await client.get(f"{PREFIX}/nowhere", headers=operator.headers)

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
