"""POST /v1/access_token: the OAuth 2.0 token endpoint (RFC 6749 §3.2), form-encoded."""

import base64
import binascii
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from fleetlink.api.dependencies import get_container
from fleetlink.api.ratelimit import TOKEN_CLIENT_AUTH, count_failure, refuse_guessing
from fleetlink.bootstrap import Container
from fleetlink.domain.errors import OAuthError
from fleetlink.services.api_tokens import (
    IssuedToken,
    TokenLifetimes,
    authorization_code_token,
    client_credentials_token,
    refresh_token_grant,
)

router = APIRouter(tags=["Authentication"])
_FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """Client id and secret from HTTP Basic (RFC 6749 §2.3.1), if the client sent them so."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, ValueError) as exc:  # ValueError: non-ASCII, or not UTF-8
        raise OAuthError("invalid_client", "malformed Basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "malformed Basic credentials")
    return unquote(client_id), unquote(secret)


async def _form(request: Request) -> dict[str, str]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != _FORM:
        raise OAuthError("invalid_request", f"the token request must be {_FORM}")
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise OAuthError("invalid_request", f"parameter {name!r} must be text")
        if name in fields:
            # RFC 6749 §3.2: parameters must not be included more than once.
            raise OAuthError("invalid_request", f"parameter {name!r} is repeated")
        fields[name] = value
    return fields


def _client(fields: dict[str, str], basic: tuple[str, str] | None) -> tuple[str, str]:
    if basic is not None:
        if "client_id" in fields and fields["client_id"] != basic[0]:
            raise OAuthError("invalid_request", "client_id differs from the Basic credentials")
        return basic
    client_id, secret = fields.get("client_id"), fields.get("client_secret")
    if not client_id:
        raise OAuthError("invalid_request", "client_id is required")
    if secret is None:
        raise OAuthError("invalid_client", "client authentication failed: no client_secret")
    return client_id, secret


def _required(fields: dict[str, str], name: str) -> str:
    value = fields.get(name)
    if not value:
        raise OAuthError("invalid_request", f"{name} is required for this grant")
    return value


def _response(issued: IssuedToken) -> JSONResponse:
    body: dict[str, str | int] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    if issued.refresh_token is not None:
        body["refresh_token"] = issued.refresh_token
    return JSONResponse(body, headers=_NO_STORE)


@router.post("/access_token")
async def create_access_token(request: Request) -> JSONResponse:
    """Exchange client credentials, an authorization code or a refresh token for a token."""
    container = get_container(request)
    fields = await _form(request)
    grant_type = fields.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    client_id, secret = _client(fields, _basic_credentials(request))
    await refuse_guessing(request, TOKEN_CLIENT_AUTH, client_id)
    try:
        return _response(await _grant(container, grant_type, fields, client_id, secret))
    except OAuthError as exc:
        if exc.error == "invalid_client":
            await count_failure(request, TOKEN_CLIENT_AUTH, client_id)
        raise


async def _grant(
    container: Container, grant_type: str, fields: dict[str, str], client_id: str, secret: str
) -> IssuedToken:
    settings = container.settings
    ctx, tokens = container.services, container.tokens
    lifetimes = TokenLifetimes(access=settings.token_ttl, refresh=settings.refresh_token_ttl)
    if grant_type == "client_credentials":
        issued = await client_credentials_token(
            ctx, tokens, client_id, secret, fields.get("scope"), settings.token_ttl
        )
    elif grant_type == "authorization_code":
        issued = await authorization_code_token(
            ctx,
            tokens,
            client_id,
            secret,
            _required(fields, "code"),
            fields.get("redirect_uri"),
            fields.get("code_verifier"),
            lifetimes,
        )
    elif grant_type == "refresh_token":
        issued = await refresh_token_grant(
            ctx,
            tokens,
            client_id,
            secret,
            _required(fields, "refresh_token"),
            fields.get("scope"),
            lifetimes,
        )
    else:
        raise OAuthError(
            "unsupported_grant_type",
            f"grant_type {grant_type!r} is not supported; use client_credentials, "
            "authorization_code or refresh_token",
        )
    return issued
