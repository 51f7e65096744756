"""Owners: created without a password, set by a single-use link; listed; disabled at once."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from fleetlink.bootstrap import Container
from fleetlink.services.owners import create_owner
from tests.api.operator.conftest import PREFIX, OperatorCaller
from tests.conftest import ClientFactory, Clock, OwnerFactory
from tests.oauth import bearer, form_posting_to, owner_consent, register_client, sign_in

NEW_PASSWORD = "a long new password"


async def _create(client: httpx.AsyncClient, operator: OperatorCaller, email: str) -> Any:
    response = await client.post(
        f"{PREFIX}/owners", json={"email": email}, headers=operator.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _set_password(
    browser: httpx.AsyncClient, url: str, password: str = NEW_PASSWORD, confirm: str | None = None
) -> httpx.Response:
    parts = urlsplit(url)
    page = await browser.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200, page.text
    form = form_posting_to(page, "/set-password")
    fields = dict(form.fields) | {"password": password, "confirm": confirm or password}
    return await browser.post(form.action, data=fields)


async def test_a_new_owner_sets_their_password_by_the_link_and_signs_in(
    client: httpx.AsyncClient,
    operator: OperatorCaller,
    make_client: ClientFactory,
    container: Container,
) -> None:
    created = await _create(client, operator, "New.Owner@Example.com")
    browser = await make_client(container)

    before = await browser.get("/oauth/sign-in")
    refused = await sign_in(browser, before, "new.owner@example.com", "")
    done = await _set_password(browser, created["passwordLink"]["url"])
    page = await browser.get("/oauth/sign-in")
    signed_in = await sign_in(browser, page, "new.owner@example.com", NEW_PASSWORD)
    listed = await client.get(f"{PREFIX}/owners/new.owner@example.com", headers=operator.headers)

    owner = created["owner"]
    assert (owner["email"], owner["hasPassword"], owner["vehicles"]) == (
        "new.owner@example.com",
        False,
        0,
    )
    assert created["passwordLink"]["url"].startswith("http://fleetlink.test/oauth/set-password?")
    assert "Wrong email or password" in refused.text
    assert done.status_code == 200 and "Your password is set" in done.text
    assert signed_in.status_code == 303
    assert listed.json()["hasPassword"] is True


async def test_a_password_link_works_once(
    client: httpx.AsyncClient,
    operator: OperatorCaller,
    make_client: ClientFactory,
    container: Container,
) -> None:
    created = await _create(client, operator, "once@example.com")
    url = urlsplit(created["passwordLink"]["url"])
    browser = await make_client(container)
    await _set_password(browser, created["passwordLink"]["url"])

    again = await browser.get(f"{url.path}?{url.query}")

    assert again.status_code == 404
    assert "used or expired" in again.text


async def test_a_password_link_expires(
    clocked: Container, clock: Clock, make_client: ClientFactory
) -> None:
    created = await create_owner(clocked.services, "late@example.com")
    browser = await make_client(clocked)
    clock.advance(clocked.services.password_link_ttl + timedelta(seconds=1))

    page = await browser.get(created.link.path)

    assert page.status_code == 404


async def test_the_set_password_form_needs_its_csrf_token_and_matching_passwords(
    client: httpx.AsyncClient,
    operator: OperatorCaller,
    make_client: ClientFactory,
    container: Container,
) -> None:
    created = await _create(client, operator, "careful@example.com")
    browser = await make_client(container)
    url = urlsplit(created["passwordLink"]["url"])
    page = await browser.get(f"{url.path}?{url.query}")
    form = dict(form_posting_to(page, "/set-password").fields)

    forged = await browser.post(
        "/oauth/set-password",
        data={**form, "csrf": "forged", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    differ = await _set_password(browser, created["passwordLink"]["url"], confirm="something else")
    short = await _set_password(browser, created["passwordLink"]["url"], "short")

    assert forged.status_code == 403
    assert differ.status_code == 400 and "differ" in differ.text
    assert short.status_code == 400 and "at least 8" in short.text


async def test_an_email_that_is_taken_or_invalid_is_refused(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    await _create(client, operator, "taken@example.com")

    taken = await client.post(
        f"{PREFIX}/owners", json={"email": "TAKEN@example.com"}, headers=operator.headers
    )
    invalid = await client.post(
        f"{PREFIX}/owners", json={"email": "nope"}, headers=operator.headers
    )

    assert taken.status_code == 409 and "taken@example.com" in taken.json()["message"]
    assert invalid.status_code == 400 and "nope" in invalid.json()["message"]


async def test_owners_are_listed_in_pages_with_their_vehicle_counts(
    client: httpx.AsyncClient, operator: OperatorCaller, make_owner: OwnerFactory
) -> None:
    for name in ("a", "b", "c"):
        await make_owner(f"{name}@example.com", count=2)

    first = await client.get(f"{PREFIX}/owners", params={"limit": 2}, headers=operator.headers)
    second = await client.get(
        f"{PREFIX}/owners",
        params={"limit": 2, "cursor": first.json()["nextCursor"]},
        headers=operator.headers,
    )

    rows = first.json()["data"] + second.json()["data"]
    assert [(o["email"], o["vehicles"]) for o in rows] == [
        ("a@example.com", 2),
        ("b@example.com", 2),
        ("c@example.com", 2),
    ]
    assert second.json()["nextCursor"] is None


async def test_disabling_an_owner_ends_their_tokens_sessions_and_apps_at_once(
    client: httpx.AsyncClient,
    operator: OperatorCaller,
    make_owner: OwnerFactory,
    make_client: ClientFactory,
    container: Container,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    granted = await owner_consent(client, app, owner)
    vin = owner.vehicles[0].vin
    browser = await make_client(container)
    page = await browser.get("/oauth/sign-in")
    await sign_in(browser, page, owner.account.email)
    # Each token is used once first, so that its verified signature is cached.
    assert (await client.get("/connected/v1/vehicles", headers=owner.headers)).status_code == 200
    data_path = f"/v1/vehicle-data/autoapi-13/{vin}"
    assert (await client.get(data_path, headers=bearer(granted["access_token"]))).status_code == 200
    assert (await browser.get("/oauth/grants")).status_code == 200

    disabled = await client.post(
        f"{PREFIX}/owners/{owner.account.guid}/disable", headers=operator.headers
    )
    toyota = await client.get("/connected/v1/vehicles", headers=owner.headers)
    app_read = await client.get(data_path, headers=bearer(granted["access_token"]))
    panel = await browser.get("/oauth/grants")
    again = await sign_in(browser, await browser.get("/oauth/sign-in"), owner.account.email)

    assert disabled.status_code == 200 and disabled.json()["disabledAt"] is not None
    assert toyota.status_code == 401 and "disabled" in toyota.json()["message"]
    assert app_read.status_code == 401
    assert panel.status_code == 303 and "/oauth/sign-in" in panel.headers["location"]
    assert "Wrong email or password" in again.text


async def test_an_unknown_owner_is_a_404_and_a_malformed_id_says_what_to_give(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    unknown = await client.get(
        f"{PREFIX}/owners/00000000-0000-0000-0000-000000000000", headers=operator.headers
    )
    malformed = await client.post(f"{PREFIX}/owners/not%00an-id/disable", headers=operator.headers)

    assert unknown.status_code == 404
    assert (
        malformed.status_code == 404
        and "email address or an owner id" in malformed.json()["message"]
    )
