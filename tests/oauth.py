"""Helpers for tests of the High Mobility API's OAuth: register clients, get tokens, and
drive the owner consent pages as a browser would (GET, form posts, redirects).

    app = await register_client(container)
    tokens = await owner_consent(http, app, owner)            # the whole code flow
    fleet = await client_credentials(http, app, "fleet:clearance")
"""

import base64
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from fleetlink.auth.scopes import ALL_SCOPES
from fleetlink.bootstrap import Container
from fleetlink.domain.oauth import Scope
from fleetlink.services.clients import create_client
from tests.conftest import OWNER_PASSWORD, Owner

REDIRECT_URI = "https://app.example/callback"
TOKEN_PATH = "/v1/access_token"


@dataclass(frozen=True)
class RegisteredClient:
    """An OAuth client and the secret it was given."""

    client_id: str
    secret: str
    name: str
    redirect_uri: str = REDIRECT_URI

    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.secret}


async def register_client(
    container: Container,
    name: str = "Trip Diary",
    *,
    redirect_uris: Sequence[str] = (REDIRECT_URI,),
    scopes: Iterable[Scope] = ALL_SCOPES,
) -> RegisteredClient:
    """Register a client as `fleetlink clients create` does."""
    client, secret = await create_client(container.services, name, redirect_uris, scopes)
    first = redirect_uris[0] if redirect_uris else REDIRECT_URI
    return RegisteredClient(client.client_id, secret, name, first)


async def client_credentials(
    http: httpx.AsyncClient, app: RegisteredClient, scope: str | None = None
) -> str:
    """A fleet token of app."""
    data = {"grant_type": "client_credentials", **app.credentials()}
    if scope is not None:
        data["scope"] = scope
    response = await http.post(TOKEN_PATH, data=data)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def pkce_pair() -> tuple[str, str]:
    """A fresh code_verifier and its S256 code_challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(
    app: RegisteredClient, challenge: str, *, scope: str = "vehicle:data", state: str = "st-42"
) -> dict[str, str]:
    """The query of a proper authorization request."""
    return {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


@dataclass
class Form:
    """A form of a page: where it posts and the fields a browser would send as they stand."""

    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    checkboxes: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def value(self, name: str) -> str:
        return next(v for n, v in self.fields if n == name)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif tag == "input" and self.forms:
            kind = a.get("type", "text")
            if kind == "checkbox":
                self.forms[-1].checkboxes.append(a.get("value", ""))
            elif kind == "hidden":
                self.forms[-1].fields.append((a["name"], a.get("value", "")))
        elif tag == "button" and self.forms and "name" in a:
            self.forms[-1].buttons.append((a["name"], a.get("value", "")))


def forms(page: httpx.Response) -> list[Form]:
    """The forms of an HTML page."""
    parser = _Forms()
    parser.feed(page.text)
    return parser.forms


def form_posting_to(page: httpx.Response, action: str) -> Form:
    found = [f for f in forms(page) if f.action.endswith(action)]
    assert found, f"no form posting to {action} in:\n{page.text}"
    return found[0]


def _multi(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields as httpx sends them: a name given several times keeps every value."""
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


async def sign_in(
    http: httpx.AsyncClient, page: httpx.Response, email: str, password: str = OWNER_PASSWORD
) -> httpx.Response:
    """Fill in and post the sign-in form that page shows."""
    form = form_posting_to(page, "/sign-in")
    return await http.post(
        form.action, data=_multi([*form.fields, ("email", email), ("password", password)])
    )


async def decide(
    http: httpx.AsyncClient,
    page: httpx.Response,
    decision: str = "approve",
    vins: Iterable[str] = (),
) -> httpx.Response:
    """Tick vins on the consent page and press Allow (approve) or Deny (deny)."""
    form = form_posting_to(page, "/consent")
    data = [*form.fields, ("decision", decision), *(("vin", v) for v in vins)]
    return await http.post(form.action, data=_multi(data))


def redirect_query(response: httpx.Response, app: RegisteredClient) -> dict[str, str]:
    """The parameters of a redirect back to app's redirect URI."""
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(app.redirect_uri + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def consent_code(
    http: httpx.AsyncClient,
    app: RegisteredClient,
    owner: Owner,
    challenge: str,
    *,
    vins: Iterable[str] | None = None,
    scope: str = "vehicle:data",
) -> str:
    """Go through /oauth/new as the owner (signing in first) and allow; the code."""
    page = await http.get("/oauth/new", params=authorize_params(app, challenge, scope=scope))
    if forms(page) and forms(page)[0].action.endswith("/sign-in"):
        signed_in = await sign_in(http, page, owner.account.email)
        assert signed_in.status_code == 303, signed_in.text
        page = await http.get(signed_in.headers["location"])
    assert page.status_code == 200, page.text
    chosen = [v.vin for v in owner.vehicles] if vins is None else list(vins)
    back = redirect_query(await decide(http, page, "approve", chosen), app)
    assert back["state"] == "st-42"
    return back["code"]


async def exchange_code(
    http: httpx.AsyncClient, app: RegisteredClient, code: str, verifier: str, **extra: str
) -> httpx.Response:
    """The token request for a code."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        "code_verifier": verifier,
        **app.credentials(),
        **extra,
    }
    return await http.post(TOKEN_PATH, data=data)


async def refresh(
    http: httpx.AsyncClient, app: RegisteredClient, refresh_token: str, **extra: str
) -> httpx.Response:
    """The token request for a refresh."""
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        **app.credentials(),
        **extra,
    }
    return await http.post(TOKEN_PATH, data=data)


async def owner_consent(
    http: httpx.AsyncClient,
    app: RegisteredClient,
    owner: Owner,
    *,
    vins: Iterable[str] | None = None,
    scope: str = "vehicle:data",
) -> dict[str, Any]:
    """The whole code flow: consent as the owner, exchange the code; the token response."""
    verifier, challenge = pkce_pair()
    code = await consent_code(http, app, owner, challenge, vins=vins, scope=scope)
    response = await exchange_code(http, app, code, verifier)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def scope_probe(container: Container) -> httpx.AsyncClient:
    """A client of a tiny High Mobility app whose GET /probe/{scope} needs that scope.

    It answers what the token grants, so tests see whether a token works (and with which
    scopes) before the real endpoints exist; it goes through the façade's own dependency
    and error translator.
    """
    from fastapi import FastAPI, Request

    from fleetlink.api.highmobility.dependencies import requiring
    from fleetlink.api.highmobility.errors import install_error_translator
    from fleetlink.api.middleware import RequestContextMiddleware

    app = FastAPI()
    app.state.container = container
    install_error_translator(app)
    app.add_middleware(RequestContextMiddleware)

    @app.get("/probe/{scope}")
    async def probe(request: Request, scope: Scope) -> dict[str, object]:
        access = await requiring(scope)(request)
        return {"client_id": access.client_id, "grant_id": access.grant_id}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe.test")
