"""The owner's list of apps: see what each may reach, revoke it, sign out."""

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from fleetlink.bootstrap import Container
from tests.conftest import ClientFactory, Owner, OwnerFactory
from tests.oauth import (
    bearer,
    form_posting_to,
    owner_consent,
    refresh,
    register_client,
    scope_probe,
    sign_in,
)


@pytest_asyncio.fixture
async def probe(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with await scope_probe(container) as client:
        yield client


async def _signed_in(
    make_client: ClientFactory, container: Container, owner: Owner
) -> httpx.AsyncClient:
    browser = await make_client(container)
    page = await browser.get("/oauth/sign-in")
    assert (await sign_in(browser, page, owner.account.email)).status_code == 303
    return browser


async def test_a_signed_out_visitor_is_sent_to_sign_in_and_brought_back(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    response = await client.get("/oauth/grants")

    assert response.status_code == 303
    assert response.headers["location"] == "/oauth/sign-in?next=%2Foauth%2Fgrants"
    page = await client.get(response.headers["location"])
    back = await sign_in(client, page, owner.account.email)
    assert back.headers["location"] == "/oauth/grants"
    assert (await client.get("/oauth/")).headers["location"] == "/oauth/grants"


async def test_the_owner_sees_each_app_with_its_scopes_and_vehicles(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    app = await register_client(container, "Charge Planner")
    await owner_consent(client, app, owner, vins=[owner.vehicles[1].vin])

    page = await client.get("/oauth/grants")

    assert page.status_code == 200
    assert "Charge Planner" in page.text
    assert owner.vehicles[1].vin in page.text
    assert owner.vehicles[0].vin not in page.text
    assert "Read the data of the vehicles you choose" in page.text


async def test_revoking_a_grant_ends_its_tokens_at_once(
    container: Container,
    client: httpx.AsyncClient,
    probe: httpx.AsyncClient,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    tokens = await owner_consent(client, app, owner)
    page = await client.get("/oauth/grants")
    form = form_posting_to(page, "/revoke")

    response = await client.post(form.action, data=dict(form.fields))

    assert response.status_code == 303
    after = await client.get(response.headers["location"])
    assert "Access revoked" in after.text
    assert "Trip Diary" not in after.text
    dead = await probe.get("/probe/vehicle:data", headers=bearer(tokens["access_token"]))
    assert dead.status_code == 401
    assert (await refresh(client, app, tokens["refresh_token"])).json()["error"] == "invalid_grant"


async def test_a_revoke_without_the_csrf_token_changes_nothing(
    container: Container,
    client: httpx.AsyncClient,
    probe: httpx.AsyncClient,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    tokens = await owner_consent(client, app, owner)
    form = form_posting_to(await client.get("/oauth/grants"), "/revoke")

    response = await client.post(form.action, data={"csrf": "guessed"})

    assert response.status_code == 403
    alive = await probe.get("/probe/vehicle:data", headers=bearer(tokens["access_token"]))
    assert alive.status_code == 200


async def test_an_owner_cannot_revoke_another_owners_grant(
    container: Container,
    client: httpx.AsyncClient,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    other = await make_owner(count=1)
    app = await register_client(container)
    await owner_consent(client, app, owner)
    action = form_posting_to(await client.get("/oauth/grants"), "/revoke").action
    intruder = await _signed_in(make_client, container, other)
    csrf = form_posting_to(await intruder.get("/oauth/grants"), "/sign-out").value("csrf")

    response = await intruder.post(action, data={"csrf": csrf})

    assert response.status_code == 404
    assert "Trip Diary" in (await client.get("/oauth/grants")).text


async def test_signing_out_ends_the_session(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    browser = await _signed_in(make_client, container, owner)
    form = form_posting_to(await browser.get("/oauth/grants"), "/sign-out")

    response = await browser.post(form.action, data=dict(form.fields))

    assert response.status_code == 303
    assert response.headers["location"] == "/oauth/sign-in"
    assert (await browser.get("/oauth/grants")).status_code == 303


async def test_guessing_an_owners_password_is_stopped_after_a_few_tries(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    page = await client.get("/oauth/sign-in")
    tries = []
    for _ in range(6):
        page = await sign_in(client, page, owner.account.email, "guess")
        tries.append(page.status_code)
        if page.status_code == 429:
            break

    assert tries == [200, 200, 200, 200, 200, 429]
    assert int(page.headers["retry-after"]) >= 1
    assert "Too many attempts" in page.text
    # The right password must wait too: the budget is the address's, not the guess's.
    fresh = await client.get("/oauth/sign-in")
    assert (await sign_in(client, fresh, owner.account.email)).status_code == 429
