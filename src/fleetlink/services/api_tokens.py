"""Tokens of the High Mobility API: issue them for each grant type, and know what one grants.

Codes and refresh tokens are single-use. Each is spent by a conditional UPDATE (… WHERE
used_at IS NULL) whose row count says who won, so two server processes presenting the same
one at once cannot both succeed; presenting a spent one is taken as theft and ends its
whole family, the grant (RFC 6749 §4.1.2, OAuth 2.0 Security BCP §4.14).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from fleetlink.auth.access import HIGH_MOBILITY_AUDIENCE, ApiAccess, GrantType, access_from
from fleetlink.auth.authorization import redirect_uri_matches
from fleetlink.auth.clients import granted_scopes
from fleetlink.auth.pkce import check_verifier, verifier_matches
from fleetlink.auth.scopes import format_scope, within
from fleetlink.auth.secrets import digest, new_token
from fleetlink.domain.errors import OAuthError, Unauthenticated
from fleetlink.domain.oauth import ApiClient, GrantFamily, Scope
from fleetlink.services.clients import authenticate_client
from fleetlink.services.context import ServiceContext
from fleetlink.services.tokens import TokenService
from fleetlink.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token response (RFC 6749 §5.1)."""

    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None


@dataclass(frozen=True, slots=True)
class TokenLifetimes:
    """How long what the token endpoint issues lives."""

    access: timedelta
    refresh: timedelta


async def issue_access(
    ctx: ServiceContext,
    tokens: TokenService,
    access: ApiAccess,
    subject: str,
    ttl: timedelta,
) -> str:
    """Sign an access token that carries access."""
    return await tokens.issue(
        subject, HIGH_MOBILITY_AUDIENCE, ttl, ctx.clock(), claims=access.claims()
    )


async def client_credentials_token(
    ctx: ServiceContext,
    tokens: TokenService,
    client_id: str,
    secret: str,
    scope: str | None,
    ttl: timedelta,
) -> IssuedToken:
    """A fleet operator's token, for its own fleet (no refresh token, RFC 6749 §4.4.3)."""
    client = await authenticate_client(ctx, client_id, secret)
    access = ApiAccess(
        client_id=client.client_id,
        grant_type=GrantType.CLIENT_CREDENTIALS,
        scopes=granted_scopes(client, scope),
    )
    token = await issue_access(ctx, tokens, access, access.subject(), ttl)
    return IssuedToken(
        access_token=token,
        expires_in=int(ttl.total_seconds()),
        scope=format_scope(access.scopes),
    )


async def _end_family(uow: UnitOfWork, family: GrantFamily, at: datetime, reason: str) -> None:
    """Revoke the grant and keep that, though the request that found the reuse fails."""
    await uow.grants.revoke_grant(family.grant_id, at, reason)
    await uow.commit()


async def _new_refresh_token(uow: UnitOfWork, grant_id: str, at: datetime, ttl: timedelta) -> str:
    token = new_token()
    await uow.refresh_tokens.add_refresh_token(digest(token), grant_id, at, at + ttl)
    return token


async def _owner_tokens(
    ctx: ServiceContext,
    tokens: TokenService,
    family: GrantFamily,
    scopes: frozenset[Scope],
    refresh_token: str,
    ttl: timedelta,
) -> IssuedToken:
    access = ApiAccess(
        client_id=family.client_id,
        grant_type=GrantType.AUTHORIZATION_CODE,
        scopes=scopes,
        grant_id=family.grant_id,
    )
    token = await issue_access(ctx, tokens, access, access.subject(family.account_guid), ttl)
    return IssuedToken(
        access_token=token,
        expires_in=int(ttl.total_seconds()),
        scope=format_scope(scopes),
        refresh_token=refresh_token,
    )


def _check_binding(client: ApiClient, family: GrantFamily, what: str) -> None:
    if family.client_id != client.client_id:
        raise OAuthError("invalid_grant", f"this {what} was issued to another client")
    if family.revoked:
        raise OAuthError("invalid_grant", f"this {what}'s grant has been revoked")


async def authorization_code_token(
    ctx: ServiceContext,
    tokens: TokenService,
    client_id: str,
    secret: str,
    code: str,
    redirect_uri: str | None,
    code_verifier: str | None,
    lifetimes: TokenLifetimes,
) -> IssuedToken:
    """Exchange an owner's authorization code, once, for an access and a refresh token."""
    client = await authenticate_client(ctx, client_id, secret)
    verifier = check_verifier(code_verifier)
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        stored = await uow.codes.code(digest(code))
        if stored is None:
            raise OAuthError("invalid_grant", "unknown authorization code")
        family = stored.family
        # Checked before reuse, so that another client cannot end a grant with a stolen code.
        if family.client_id != client.client_id:
            raise OAuthError("invalid_grant", "this code was issued to another client")
        if stored.used_at is not None:
            await _end_family(uow, family, now, "authorization code used twice")
            raise OAuthError(
                "invalid_grant",
                "authorization code already used; the tokens issued for it are revoked",
            )
        _check_binding(client, family, "authorization code")
        if now >= stored.expires_at:
            raise OAuthError("invalid_grant", "authorization code has expired")
        if not redirect_uri_matches(stored.redirect_uri, redirect_uri, client):
            raise OAuthError(
                "invalid_grant", "redirect_uri differs from the authorization request's"
            )
        if not verifier_matches(verifier, stored.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        if not await uow.codes.use_code(digest(code), now):
            # Another request spent it between our read and our write.
            await _end_family(uow, family, now, "authorization code used twice")
            raise OAuthError("invalid_grant", "authorization code already used")
        refresh = await _new_refresh_token(uow, family.grant_id, now, lifetimes.refresh)
        await uow.commit()
    return await _owner_tokens(ctx, tokens, family, family.scopes, refresh, lifetimes.access)


async def refresh_token_grant(
    ctx: ServiceContext,
    tokens: TokenService,
    client_id: str,
    secret: str,
    refresh_token: str,
    scope: str | None,
    lifetimes: TokenLifetimes,
) -> IssuedToken:
    """Spend a refresh token for a new access token and a new refresh token of its family.

    The scope may be narrowed for this access token; the grant keeps what the owner
    consented to, so a later refresh may ask for all of it again (RFC 6749 §6).
    """
    client = await authenticate_client(ctx, client_id, secret)
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        stored = await uow.refresh_tokens.refresh_token(digest(refresh_token))
        if stored is None:
            raise OAuthError("invalid_grant", "unknown refresh token")
        family = stored.family
        if family.client_id != client.client_id:
            raise OAuthError("invalid_grant", "this refresh token was issued to another client")
        if stored.used_at is not None and not family.revoked:
            await _end_family(uow, family, now, "refresh token used twice")
            raise OAuthError(
                "invalid_grant", "refresh token already used; every token of its grant is revoked"
            )
        _check_binding(client, family, "refresh token")
        if now >= stored.expires_at:
            raise OAuthError("invalid_grant", "refresh token has expired")
        scopes = within(family.scopes, scope, "a refresh of this grant")
        if not await uow.refresh_tokens.use_refresh_token(digest(refresh_token), now):
            await _end_family(uow, family, now, "refresh token used twice")
            raise OAuthError(
                "invalid_grant", "refresh token already used; every token of its grant is revoked"
            )
        refresh = await _new_refresh_token(uow, family.grant_id, now, lifetimes.refresh)
        await uow.commit()
    return await _owner_tokens(ctx, tokens, family, scopes, refresh, lifetimes.access)


async def authenticate_api_token(
    ctx: ServiceContext, tokens: TokenService, token: str
) -> ApiAccess:
    """What a bearer token grants, after checking it in full and that it still may.

    One query answers whether the client stands and, for an owner's token, whether its
    grant does: revoking either ends the token at once, though its signature is still good.
    """
    access = await verified_access(tokens, token, ctx.clock())
    async with ctx.store.reading() as uow:
        active = await uow.grants.access_active(access.client_id, access.grant_id)
    ensure_standing(access, active)
    return access


async def verified_access(tokens: TokenService, token: str, now: datetime) -> ApiAccess:
    """What a High Mobility bearer token says it grants, once its signature and claims are
    checked; whether its client and grant still stand is ensure_standing's to say."""
    return access_from(await tokens.verify(token, HIGH_MOBILITY_AUDIENCE, now))


def ensure_standing(access: ApiAccess, active: bool) -> None:
    """Refuse a token whose client, or grant, has been revoked since it was signed."""
    if not active:
        raise revoked(access)


def revoked(access: ApiAccess) -> Unauthenticated:
    """The refusal of a token whose client, or grant, no longer stands."""
    if access.grant_id is not None:
        return Unauthenticated("token's grant or client has been revoked")
    return Unauthenticated("token's client has been revoked")


async def granted_vehicle_ids(ctx: ServiceContext, access: ApiAccess) -> frozenset[int]:
    """Store ids of the vehicles an owner's token reaches (none for a fleet token)."""
    if access.grant_id is None:
        return frozenset()
    async with ctx.store.reading() as uow:
        return await uow.grants.grant_vehicle_ids(access.grant_id)
