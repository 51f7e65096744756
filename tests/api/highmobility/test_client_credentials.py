"""The client-credentials grant: a fleet operator's token, and every way to be refused."""

import base64
from urllib.parse import quote

import httpx
import jwt
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.oauth import Scope
from fleetlink.services.clients import revoke_client
from tests.oauth import TOKEN_PATH, register_client


async def test_a_client_gets_a_fleet_token_with_the_scopes_it_asks(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container)

    response = await client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials", "scope": "fleet:clearance", **app.credentials()},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "fleet:clearance"
    assert body["expires_in"] == container.settings.token_ttl_seconds
    assert "refresh_token" not in body, "RFC 6749 §4.4.3: no refresh token for a client's own"
    assert response.headers["cache-control"] == "no-store"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == f"client:{app.client_id}"
    assert claims["grant_type"] == "client_credentials"
    assert "grant_id" not in claims


async def test_asking_for_no_scope_gives_every_scope_the_client_may_have(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container, scopes=[Scope.VEHICLE_DATA, Scope.FLEET_CLEARANCE])

    response = await client.post(
        TOKEN_PATH, data={"grant_type": "client_credentials", **app.credentials()}
    )

    assert response.json()["scope"] == "fleet:clearance vehicle:data"


async def test_http_basic_authentication_is_accepted(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container)
    # RFC 6749 §2.3.1: both parts form-urlencoded before base64.
    pair = f"{quote(app.client_id, safe='')}:{quote(app.secret, safe='')}"
    basic = base64.b64encode(pair.encode()).decode()

    response = await client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("case", ["wrong secret", "unknown client", "revoked client", "no secret"])
async def test_a_client_that_cannot_authenticate_gets_401_invalid_client(
    container: Container, client: httpx.AsyncClient, case: str
) -> None:
    app = await register_client(container)
    data = {"grant_type": "client_credentials", **app.credentials()}
    if case == "wrong secret":
        data["client_secret"] = app.secret[:-2] + "xx"
    elif case == "unknown client":
        data["client_id"] = "0" * 32
    elif case == "revoked client":
        await revoke_client(container.services, app.client_id)
    else:
        del data["client_secret"]

    response = await client.post(TOKEN_PATH, data=data)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_a_wrong_basic_secret_gets_401_too(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container)
    basic = base64.b64encode(f"{app.client_id}:nope".encode()).decode()

    response = await client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("scope", "said"),
    [("vehicle:teleport", "unknown scope"), ("fleet:clearance", "may not have fleet:clearance")],
)
async def test_an_unknown_scope_or_one_beyond_the_client_is_invalid_scope(
    container: Container, client: httpx.AsyncClient, scope: str, said: str
) -> None:
    app = await register_client(container, scopes=[Scope.VEHICLE_DATA])

    response = await client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials", "scope": scope, **app.credentials()},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert said in response.json()["error_description"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
async def test_malformed_token_requests_are_told_what_is_wrong(
    container: Container, client: httpx.AsyncClient, data: dict[str, str], error: str
) -> None:
    app = await register_client(container)

    response = await client.post(TOKEN_PATH, data={**data, **app.credentials()})

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


async def test_a_json_token_request_is_refused_plainly(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container)

    response = await client.post(
        TOKEN_PATH, json={"grant_type": "client_credentials", **app.credentials()}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
