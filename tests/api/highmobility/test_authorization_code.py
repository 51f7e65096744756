"""The authorization-code grant with PKCE: an app gets an owner's consent and tokens."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import jwt
import pytest_asyncio

from fleetlink.bootstrap import Container
from tests.conftest import ClientFactory, Clock, OwnerFactory
from tests.oauth import (
    authorize_params,
    bearer,
    consent_code,
    decide,
    exchange_code,
    owner_consent,
    pkce_pair,
    redirect_query,
    register_client,
    scope_probe,
    sign_in,
)


@pytest_asyncio.fixture
async def probe(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with await scope_probe(container) as client:
        yield client


async def test_an_app_gets_tokens_for_the_vehicles_the_owner_chose(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=3)
    app = await register_client(container)
    chosen = [owner.vehicles[0].vin, owner.vehicles[2].vin]

    tokens = await owner_consent(client, app, owner, vins=chosen)

    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "vehicle:data"
    assert tokens["refresh_token"]
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == owner.account.guid
    assert claims["aud"] == "fleetlink:high-mobility"
    assert claims["client_id"] == app.client_id
    assert claims["grant_type"] == "authorization_code"
    async with container.store.reading() as uow:
        covered = await uow.grants.grant_vehicle_ids(claims["grant_id"])
        assert await uow.grants.grant_covers(claims["grant_id"], owner.vehicles[0].id)
        assert not await uow.grants.grant_covers(claims["grant_id"], owner.vehicles[1].id)
    assert covered == {owner.vehicles[0].id, owner.vehicles[2].id}


async def test_the_owner_token_works_with_the_scopes_consented_only(
    container: Container,
    client: httpx.AsyncClient,
    probe: httpx.AsyncClient,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    tokens = await owner_consent(client, app, owner, scope="vehicle:data")

    allowed = await probe.get("/probe/vehicle:data", headers=bearer(tokens["access_token"]))
    missing = await probe.get(
        "/probe/vehicle:eligibility-check", headers=bearer(tokens["access_token"])
    )

    assert allowed.status_code == 200
    assert allowed.json()["grant_id"]
    assert missing.status_code == 403
    assert "vehicle:eligibility-check" in missing.json()["errors"][0]["detail"]


async def test_a_missing_code_verifier_is_invalid_request(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    _, challenge = pkce_pair()
    code = await consent_code(client, app, owner, challenge)

    response = await exchange_code(client, app, code, verifier="")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "code_verifier" in response.json()["error_description"]


async def test_a_wrong_code_verifier_is_invalid_grant(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    verifier, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    code = await consent_code(client, app, owner, challenge)

    wrong = await exchange_code(client, app, code, other_verifier)
    short = await exchange_code(client, app, code, "too-short")
    right = await exchange_code(client, app, code, verifier)

    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert "code_verifier does not match" in wrong.json()["error_description"]
    assert short.json()["error"] == "invalid_request"
    assert right.status_code == 200, "a failed attempt does not burn the code"


async def test_the_plain_method_or_no_challenge_is_refused_back_at_the_app(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container)
    verifier, _ = pkce_pair()
    plain = {**authorize_params(app, verifier), "code_challenge_method": "plain"}
    unnamed = authorize_params(app, verifier)
    del unnamed["code_challenge_method"]
    none = authorize_params(app, "")

    for params in (plain, unnamed, none):
        back = redirect_query(await client.get("/oauth/new", params=params), app)
        assert back["error"] == "invalid_request"
        assert back["state"] == "st-42"
        assert "S256" in back["error_description"] or "code_challenge" in back["error_description"]


async def test_an_expired_code_is_invalid_grant(
    clocked: Container, clock: Clock, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    client = await make_client(clocked)
    owner = await make_owner(count=1)
    app = await register_client(clocked)
    verifier, challenge = pkce_pair()
    code = await consent_code(client, app, owner, challenge)

    clock.advance(clocked.settings.oauth_code_ttl + timedelta(seconds=1))
    response = await exchange_code(client, app, code, verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


async def test_a_code_used_twice_fails_and_ends_the_tokens_it_gave(
    container: Container,
    client: httpx.AsyncClient,
    probe: httpx.AsyncClient,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    verifier, challenge = pkce_pair()
    code = await consent_code(client, app, owner, challenge)
    first = (await exchange_code(client, app, code, verifier)).json()
    assert (
        await probe.get("/probe/vehicle:data", headers=bearer(first["access_token"]))
    ).is_success

    second = await exchange_code(client, app, code, verifier)

    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert "already used" in second.json()["error_description"]
    dead = await probe.get("/probe/vehicle:data", headers=bearer(first["access_token"]))
    assert dead.status_code == 401
    assert "revoked" in dead.json()["errors"][0]["detail"]
    refreshed = await client.post(
        "/v1/access_token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        | app.credentials(),
    )
    assert refreshed.json()["error"] == "invalid_grant"


async def test_the_token_request_must_name_the_same_redirect_uri(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(
        container, redirect_uris=["https://app.example/callback", "https://app.example/other"]
    )
    verifier, challenge = pkce_pair()
    code = await consent_code(client, app, owner, challenge)

    other = await exchange_code(
        client, app, code, verifier, redirect_uri="https://app.example/other"
    )
    missing = await exchange_code(client, app, code, verifier, redirect_uri="")

    for response in (other, missing):
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        assert "redirect_uri" in response.json()["error_description"]


async def test_a_request_without_redirect_uri_uses_the_only_one_registered(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    verifier, challenge = pkce_pair()
    params = authorize_params(app, challenge)
    del params["redirect_uri"]
    page = await client.get("/oauth/new", params=params)
    page = await client.get((await sign_in(client, page, owner.account.email)).headers["location"])
    code = redirect_query(await decide(client, page, vins=[owner.vehicles[0].vin]), app)["code"]

    response = await exchange_code(client, app, code, verifier, redirect_uri="")

    assert response.status_code == 200, response.text


async def test_a_code_of_another_client_is_invalid_grant_and_stays_good_for_its_own(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    thief = await register_client(container, "Thief")
    verifier, challenge = pkce_pair()
    code = await consent_code(client, app, owner, challenge)

    stolen = await exchange_code(client, thief, code, verifier, redirect_uri=app.redirect_uri)
    rightful = await exchange_code(client, app, code, verifier)

    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    assert "another client" in stolen.json()["error_description"]
    assert rightful.status_code == 200


async def test_an_unknown_code_is_invalid_grant(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container)
    verifier, _ = pkce_pair()

    response = await exchange_code(client, app, "not-a-code", verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
