"""OAuth clients: register, list, revoke, and check a client's secret."""

from collections.abc import Iterable

from fleetlink.auth.clients import check_client_name, check_redirect_uris
from fleetlink.auth.scopes import ALL_SCOPES
from fleetlink.auth.secrets import hash_secret, new_client_id, new_token, secret_key, secret_matches
from fleetlink.domain.errors import NotFound, OAuthError
from fleetlink.domain.oauth import ApiClient, Scope
from fleetlink.services.context import ServiceContext
from fleetlink.storage.uow import UnitOfWork


async def _secret_key(uow: UnitOfWork) -> bytes:
    key = await uow.keys.first()
    if key is None:
        raise RuntimeError("no signing key: the server creates one when it starts")
    return secret_key(key.private_pem)


async def create_client(
    ctx: ServiceContext,
    name: str,
    redirect_uris: Iterable[str] = (),
    scopes: Iterable[Scope] = ALL_SCOPES,
) -> tuple[ApiClient, str]:
    """Register a client; returns it with its secret, which is shown this once."""
    client = ApiClient(
        client_id=new_client_id(),
        name=check_client_name(name),
        redirect_uris=check_redirect_uris(redirect_uris),
        scopes=frozenset(scopes),
        created_at=ctx.clock(),
    )
    secret = new_token()
    async with ctx.store.writing() as uow:
        await uow.clients.add_client(client, hash_secret(await _secret_key(uow), secret))
        await uow.commit()
    return client, secret


async def list_clients(ctx: ServiceContext) -> list[ApiClient]:
    """Every registered client, revoked ones included."""
    async with ctx.store.reading() as uow:
        return await uow.clients.clients()


async def revoke_client(ctx: ServiceContext, client_id: str) -> None:
    """Revoke a client: it gets no new token and its tokens stop working at once."""
    async with ctx.store.writing() as uow:
        if not await uow.clients.revoke_client(client_id, ctx.clock()):
            raise NotFound(f"no active client {client_id!r}")
        await uow.commit()


async def authenticate_client(ctx: ServiceContext, client_id: str, secret: str) -> ApiClient:
    """The client whose id and secret these are; anything else is invalid_client."""
    async with ctx.store.reading() as uow:
        found = await uow.clients.client(client_id)
        key = await _secret_key(uow)
    # The same answer for an unknown id, a wrong secret and a revoked client.
    if found is None or not secret_matches(key, secret, found[1]) or not found[0].active:
        raise OAuthError("invalid_client", "client authentication failed")
    return found[0]


async def active_client(ctx: ServiceContext, client_id: str) -> ApiClient | None:
    """The client, if it exists and is not revoked."""
    async with ctx.store.reading() as uow:
        found = await uow.clients.client(client_id)
    return found[0] if found is not None and found[0].active else None
