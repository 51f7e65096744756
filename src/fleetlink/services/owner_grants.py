"""An owner's consent to apps: check the request, approve or deny it, list and revoke grants."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta

from fleetlink.auth.authorization import AuthorizationRequest, check_authorization_request
from fleetlink.auth.secrets import digest, new_token
from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import InvalidInput, NotFound
from fleetlink.domain.oauth import GrantedApp
from fleetlink.services.clients import active_client
from fleetlink.services.context import ServiceContext


async def authorization_request(
    ctx: ServiceContext, params: Mapping[str, str]
) -> AuthorizationRequest:
    """The checked request for consent that params make (see check_authorization_request)."""
    client_id = params.get("client_id")
    client = await active_client(ctx, client_id) if client_id else None
    return check_authorization_request(client, params)


async def approve(
    ctx: ServiceContext,
    account: Account,
    request: AuthorizationRequest,
    vins: Sequence[str],
    code_ttl: timedelta,
) -> str:
    """Record the owner's consent for the vehicles chosen; the redirect that carries the code."""
    if not vins:
        raise InvalidInput("choose at least one vehicle to share")
    now = ctx.clock()
    code = new_token()
    async with ctx.store.writing() as uow:
        owned = {v.vin: v.id for v in await uow.vehicles.list_owned(account.id)}
        unknown = sorted(set(vins) - owned.keys())
        if unknown:
            raise InvalidInput(f"not your vehicle: {', '.join(unknown)}")
        grant_id = str(uuid.uuid4())
        await uow.grants.add_grant(
            grant_id,
            request.client.client_id,
            account.id,
            request.scopes,
            {owned[vin] for vin in vins},
            now,
        )
        await uow.codes.add_code(
            digest(code),
            grant_id,
            request.redirect_uri if request.redirect_uri_sent else "",
            request.code_challenge,
            now,
            now + code_ttl,
        )
        await uow.commit()
    return request.redirect(code=code)


def deny(request: AuthorizationRequest) -> str:
    """The redirect that tells the client the owner said no (RFC 6749 §4.1.2.1)."""
    return request.redirect(error="access_denied", error_description="the owner denied access")


async def granted_apps(ctx: ServiceContext, account: Account) -> list[GrantedApp]:
    """The apps the owner has let in, and to which vehicles."""
    async with ctx.store.reading() as uow:
        return await uow.grants.granted_apps(account.id)


async def revoke_grant(ctx: ServiceContext, account: Account, grant_id: str) -> None:
    """End one of the owner's grants: its refresh and access tokens stop working at once."""
    try:
        grant_id = str(uuid.UUID(grant_id))
    except ValueError:
        raise NotFound("no such app access to revoke") from None
    async with ctx.store.writing() as uow:
        revoked = await uow.grants.revoke_grant(
            grant_id, ctx.clock(), "revoked by the owner", account_id=account.id
        )
        if not revoked:
            raise NotFound("no such app access to revoke")
        await uow.commit()
