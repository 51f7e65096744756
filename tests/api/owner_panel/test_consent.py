"""GET /oauth/new and the consent form, driven as a browser drives them."""

from datetime import timedelta
from urllib.parse import urlencode

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.oauth import Scope
from fleetlink.services.clients import revoke_client
from tests.conftest import ClientFactory, Clock, OwnerFactory
from tests.oauth import (
    authorize_params,
    decide,
    form_posting_to,
    forms,
    pkce_pair,
    redirect_query,
    register_client,
    sign_in,
)


def _is_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "location" not in response.headers


async def _consent_page(
    client: httpx.AsyncClient, params: dict[str, str], email: str
) -> httpx.Response:
    page = await client.get("/oauth/new", params=params)
    signed_in = await sign_in(client, page, email)
    assert signed_in.status_code == 303, signed_in.text
    return await client.get(signed_in.headers["location"])


@pytest.mark.parametrize("case", ["unknown client", "revoked client", "no client_id"])
async def test_a_bad_client_gets_an_error_page_and_never_a_redirect(
    container: Container, client: httpx.AsyncClient, case: str
) -> None:
    app = await register_client(container)
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge)
    if case == "unknown client":
        params["client_id"] = "f" * 32
    elif case == "revoked client":
        await revoke_client(container.services, app.client_id)
    else:
        del params["client_id"]

    response = await client.get("/oauth/new", params=params)

    _is_page(response, 400)
    assert "app.example" not in response.text


@pytest.mark.parametrize(
    "redirect_uri", ["https://evil.example/callback", "https://app.example/callback/../x"]
)
async def test_an_unregistered_redirect_uri_gets_an_error_page_and_never_a_redirect(
    container: Container, client: httpx.AsyncClient, redirect_uri: str
) -> None:
    app = await register_client(container)
    _, challenge = pkce_pair()
    params = {**authorize_params(app, challenge), "redirect_uri": redirect_uri}

    response = await client.get("/oauth/new", params=params)

    _is_page(response, 400)
    assert "redirect_uri is not one this app registered" in response.text


async def test_several_registered_redirect_uris_need_one_named(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(
        container, redirect_uris=["https://app.example/a", "https://app.example/b"]
    )
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge)
    del params["redirect_uri"]

    _is_page(await client.get("/oauth/new", params=params), 400)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": ""}, "invalid_request"),
        ({"scope": "vehicle:teleport"}, "invalid_scope"),
        ({"scope": "fleet:clearance"}, "invalid_scope"),
    ],
)
async def test_other_bad_requests_go_back_to_the_app_with_the_state(
    container: Container, client: httpx.AsyncClient, change: dict[str, str], error: str
) -> None:
    app = await register_client(container)
    _, challenge = pkce_pair()

    response = await client.get("/oauth/new", params={**authorize_params(app, challenge), **change})

    back = redirect_query(response, app)
    assert back["error"] == error
    assert back["state"] == "st-42"
    assert back["error_description"]


async def test_an_app_that_may_ask_owners_for_nothing_hears_invalid_scope(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container, scopes=[Scope.FLEET_CLEARANCE])
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge)
    del params["scope"]

    back = redirect_query(await client.get("/oauth/new", params=params), app)

    assert back["error"] == "invalid_scope"


async def test_a_signed_out_owner_is_asked_to_sign_in_in_a_protected_session(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container, "Trip <Diary>")
    _, challenge = pkce_pair()

    page = await client.get("/oauth/new", params=authorize_params(app, challenge))

    _is_page(page, 200)
    assert "Trip &lt;Diary&gt;" in page.text, "the app's name is shown, escaped"
    form = form_posting_to(page, "/sign-in")
    assert form.value("csrf")
    assert form.value("next").startswith("/oauth/new?")
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/;" in cookie
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_a_wrong_password_shows_the_form_again_with_a_message(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge)
    page = await client.get("/oauth/new", params=params)

    wrong = await sign_in(client, page, owner.account.email, "not the password")
    unknown = await sign_in(client, wrong, "nobody@example.com")

    for response in (wrong, unknown):
        _is_page(response, 200)
        assert "Wrong email or password." in response.text
        assert form_posting_to(response, "/sign-in").value("next").startswith("/oauth/new?")
    still_out = await client.get("/oauth/new", params=params)
    assert form_posting_to(still_out, "/sign-in")


async def test_the_consent_page_names_the_app_the_scopes_and_the_owners_vehicles(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    app = await register_client(container)
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge, scope="vehicle:data vehicle:eligibility-check")

    page = await _consent_page(client, params, owner.account.email)

    _is_page(page, 200)
    assert "Allow Trip Diary to access your vehicles?" in page.text
    assert "Read the data of the vehicles you choose" in page.text
    assert "Check which data your vehicles can share" in page.text
    form = form_posting_to(page, "/consent")
    assert sorted(form.checkboxes) == sorted(v.vin for v in owner.vehicles)
    for vehicle in owner.vehicles:
        assert vehicle.model in page.text and str(vehicle.year) in page.text
    assert ("decision", "approve") in form.buttons and ("decision", "deny") in form.buttons
    assert "app.example" in page.text, "the owner sees where they will be sent"


async def test_deny_sends_the_owner_back_with_access_denied_and_grants_nothing(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    _, challenge = pkce_pair()
    page = await _consent_page(client, authorize_params(app, challenge), owner.account.email)

    back = redirect_query(await decide(client, page, "deny"), app)

    assert back["error"] == "access_denied"
    assert back["state"] == "st-42"
    assert "code" not in back
    async with container.store.reading() as uow:
        assert await uow.grants.granted_apps(owner.account.id) == []


async def test_approving_no_vehicle_or_a_foreign_one_shows_the_page_again(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    stranger = await make_owner(count=1)
    app = await register_client(container)
    _, challenge = pkce_pair()
    page = await _consent_page(client, authorize_params(app, challenge), owner.account.email)

    nothing = await decide(client, page, "approve", [])
    foreign = await decide(client, page, "approve", [stranger.vehicles[0].vin])

    _is_page(nothing, 400)
    assert "choose at least one vehicle" in nothing.text
    assert form_posting_to(nothing, "/consent")
    _is_page(foreign, 400)
    assert "not your vehicle" in foreign.text


async def test_the_redirect_keeps_the_query_the_redirect_uri_has(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container, redirect_uris=["https://app.example/cb?tenant=7"])
    _, challenge = pkce_pair()
    page = await _consent_page(client, authorize_params(app, challenge), owner.account.email)

    response = await decide(client, page, "approve", [owner.vehicles[0].vin])

    location = response.headers["location"]
    assert location.startswith("https://app.example/cb?tenant=7&code=")
    assert "state=st-42" in location


async def test_a_form_without_the_sessions_csrf_token_is_refused(
    container: Container,
    client: httpx.AsyncClient,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    _, challenge = pkce_pair()
    page = await _consent_page(client, authorize_params(app, challenge), owner.account.email)
    form = form_posting_to(page, "/consent")
    fields = {name: value for name, value in form.fields if name != "csrf"}
    approve = {**fields, "decision": "approve", "vin": owner.vehicles[0].vin}
    # Another browser's session has a CSRF token of its own, which is no good here.
    other = await make_client(container)
    other_page = await other.get("/oauth/sign-in")
    foreign_csrf = form_posting_to(other_page, "/sign-in").value("csrf")

    missing = await client.post("/oauth/consent", data=approve)
    forged = await client.post("/oauth/consent", data={**approve, "csrf": foreign_csrf})
    sign_in_without = await other.post(
        "/oauth/sign-in", data={"email": owner.account.email, "password": "x" * 10}
    )

    for response in (missing, forged, sign_in_without):
        _is_page(response, 403)
        assert "reload the page" in response.text
    async with container.store.reading() as uow:
        assert await uow.grants.granted_apps(owner.account.id) == []


async def test_the_session_lives_in_the_cookie_so_another_server_continues_it(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    app = await register_client(container)
    _, challenge = pkce_pair()
    first_server = await make_client(container)
    page = await _consent_page(first_server, authorize_params(app, challenge), owner.account.email)
    second_server = await make_client(container)
    second_server.cookies = first_server.cookies

    response = await decide(second_server, page, "approve", [owner.vehicles[0].vin])

    assert "code" in redirect_query(response, app)


async def test_an_expired_session_asks_to_sign_in_again(
    clocked: Container, clock: Clock, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    client = await make_client(clocked)
    owner = await make_owner(count=1)
    app = await register_client(clocked)
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge)
    page = await _consent_page(client, params, owner.account.email)

    clock.advance(clocked.settings.owner_session_ttl + timedelta(minutes=1))
    expired_post = await decide(client, page, "approve", [owner.vehicles[0].vin])
    expired_get = await client.get("/oauth/new", params=params)

    assert expired_post.status_code == 303
    assert expired_post.headers["location"].startswith("/oauth/sign-in?next=%2Foauth%2Fnew%3F")
    assert forms(expired_get)[0].action == "/oauth/sign-in"


async def test_sign_in_never_sends_the_owner_to_another_site(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    page = await client.get("/oauth/sign-in?" + urlencode({"next": "https://evil.example/"}))
    form = form_posting_to(page, "/sign-in")
    data = {
        "csrf": form.value("csrf"),
        "next": "//evil.example/oauth/",
        "email": owner.account.email,
        "password": "correct horse battery",
    }

    response = await client.post("/oauth/sign-in", data=data)

    assert form.value("next") == "/oauth/grants"
    assert response.status_code == 303
    assert response.headers["location"] == "/oauth/grants"


async def test_a_repeated_parameter_is_refused_on_the_page(
    container: Container, client: httpx.AsyncClient
) -> None:
    app = await register_client(container)
    _, challenge = pkce_pair()
    query = urlencode(authorize_params(app, challenge)) + "&redirect_uri=https://evil.example/"

    _is_page(await client.get(f"/oauth/new?{query}"), 400)


async def test_unknown_panel_pages_are_html_404s(client: httpx.AsyncClient) -> None:
    _is_page(await client.get("/oauth/nothing-here"), 404)
