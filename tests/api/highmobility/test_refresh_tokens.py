"""The refresh-token grant: rotation, reuse detection, expiry, narrowing, revocation."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest_asyncio

from fleetlink.auth.access import HIGH_MOBILITY_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.domain.errors import OAuthError
from fleetlink.services.api_tokens import TokenLifetimes, refresh_token_grant
from fleetlink.services.clients import revoke_client
from tests.conftest import ClientFactory, Clock, OwnerFactory
from tests.oauth import bearer, owner_consent, refresh, register_client, scope_probe


@pytest_asyncio.fixture
async def probe(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with await scope_probe(container) as client:
        yield client


async def test_a_refresh_token_works_once_and_yields_a_new_pair_of_the_same_grant(
    container: Container,
    client: httpx.AsyncClient,
    probe: httpx.AsyncClient,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    first = await owner_consent(client, app, owner)

    response = await refresh(client, app, first["refresh_token"])

    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "vehicle:data"
    old = await probe.get("/probe/vehicle:data", headers=bearer(first["access_token"]))
    new = await probe.get("/probe/vehicle:data", headers=bearer(second["access_token"]))
    assert old.json()["grant_id"] == new.json()["grant_id"], "one family"
    claims = await container.tokens.verify(
        second["access_token"], HIGH_MOBILITY_AUDIENCE, container.services.clock()
    )
    assert claims.subject == owner.account.guid


async def test_a_used_refresh_token_presented_again_ends_the_whole_family(
    container: Container,
    client: httpx.AsyncClient,
    probe: httpx.AsyncClient,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    first = await owner_consent(client, app, owner)
    second = (await refresh(client, app, first["refresh_token"])).json()
    third = (await refresh(client, app, second["refresh_token"])).json()

    replayed = await refresh(client, app, first["refresh_token"])

    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"
    assert "already used" in replayed.json()["error_description"]
    newest = await refresh(client, app, third["refresh_token"])
    assert newest.json()["error"] == "invalid_grant"
    assert "revoked" in newest.json()["error_description"]
    for tokens in (first, second, third):
        response = await probe.get("/probe/vehicle:data", headers=bearer(tokens["access_token"]))
        assert response.status_code == 401


async def test_other_grants_of_the_owner_survive_a_reuse_in_one(
    container: Container,
    client: httpx.AsyncClient,
    probe: httpx.AsyncClient,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    stolen = await owner_consent(client, app, owner)
    other = await owner_consent(client, app, owner)
    await refresh(client, app, stolen["refresh_token"])

    await refresh(client, app, stolen["refresh_token"])

    alive = await probe.get("/probe/vehicle:data", headers=bearer(other["access_token"]))
    assert alive.status_code == 200
    assert (await refresh(client, app, other["refresh_token"])).status_code == 200


async def test_concurrent_uses_of_one_refresh_token_cannot_both_succeed(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    tokens = await owner_consent(client, app, owner)
    lifetimes = TokenLifetimes(access=timedelta(minutes=5), refresh=timedelta(days=1))

    async def use() -> str:
        try:
            await refresh_token_grant(
                container.services,
                container.tokens,
                app.client_id,
                app.secret,
                tokens["refresh_token"],
                None,
                lifetimes,
            )
        except OAuthError as exc:
            return exc.error
        return "ok"

    outcomes = await asyncio.gather(*(use() for _ in range(4)))

    assert sorted(outcomes) == ["invalid_grant"] * 3 + ["ok"]


async def test_an_expired_refresh_token_is_invalid_grant(
    clocked: Container, clock: Clock, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    client = await make_client(clocked)
    owner = await make_owner(count=1)
    app = await register_client(clocked)
    tokens = await owner_consent(client, app, owner)

    clock.advance(clocked.settings.refresh_token_ttl + timedelta(seconds=1))
    response = await refresh(client, app, tokens["refresh_token"])

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


async def test_a_refresh_may_narrow_the_scope_but_never_widen_it(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    tokens = await owner_consent(client, app, owner, scope="vehicle:data vehicle:eligibility-check")

    narrowed = await refresh(client, app, tokens["refresh_token"], scope="vehicle:data")
    widened = await refresh(
        client, app, narrowed.json()["refresh_token"], scope="vehicle:data fleet:clearance"
    )
    whole = await refresh(client, app, narrowed.json()["refresh_token"])

    assert narrowed.json()["scope"] == "vehicle:data"
    assert widened.status_code == 400
    assert widened.json()["error"] == "invalid_scope"
    assert whole.json()["scope"] == "vehicle:data vehicle:eligibility-check", (
        "a refused widening spends nothing, and the grant keeps what the owner consented to"
    )


async def test_a_refresh_token_of_another_client_is_invalid_grant(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    thief = await register_client(container, "Thief")
    tokens = await owner_consent(client, app, owner)

    stolen = await refresh(client, thief, tokens["refresh_token"])

    assert stolen.json()["error"] == "invalid_grant"
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 200


async def test_revoking_the_client_ends_its_owner_tokens(
    container: Container,
    client: httpx.AsyncClient,
    probe: httpx.AsyncClient,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    tokens = await owner_consent(client, app, owner)

    await revoke_client(container.services, app.client_id)

    response = await probe.get("/probe/vehicle:data", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert (await refresh(client, app, tokens["refresh_token"])).status_code == 401
