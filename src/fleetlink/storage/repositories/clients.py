"""OAuth clients: the apps of fleet operators and developers, with their secrets' hashes."""

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.oauth import ApiClient, Scope, is_client_id
from fleetlink.storage.tables import oauth_clients


def _client(row: Any) -> ApiClient:
    return ApiClient(
        client_id=row.client_id,
        name=row.name,
        redirect_uris=tuple(row.redirect_uris),
        scopes=frozenset(Scope(s) for s in row.scopes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class ClientRepository:
    """Registered clients."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_client(self, client: ApiClient, secret_hash: str) -> None:
        """Register a client with the keyed hash of its secret."""
        await self._conn.execute(
            insert(oauth_clients).values(
                client_id=client.client_id,
                name=client.name,
                secret_hash=secret_hash,
                redirect_uris=list(client.redirect_uris),
                scopes=sorted(client.scopes),
                created_at=client.created_at,
            )
        )

    async def client(self, client_id: str) -> tuple[ApiClient, str] | None:
        """A client and its secret's hash; text that is no client id finds none."""
        if not is_client_id(client_id):
            return None
        stmt = select(oauth_clients).where(oauth_clients.c.client_id == client_id)
        row = (await self._conn.execute(stmt)).first()
        return (_client(row), row.secret_hash) if row else None

    async def clients(self) -> list[ApiClient]:
        """Every client, oldest first."""
        stmt = select(oauth_clients).order_by(oauth_clients.c.created_at, oauth_clients.c.name)
        return [_client(row) for row in await self._conn.execute(stmt)]

    async def revoke_client(self, client_id: str, at: datetime) -> bool:
        """Mark a client revoked; False when there is no such active client."""
        if not is_client_id(client_id):
            return False
        result = await self._conn.execute(
            update(oauth_clients)
            .where(oauth_clients.c.client_id == client_id, oauth_clients.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return result.rowcount > 0
