"""Refresh tokens: rotated on every use, a reuse revealing a stolen family."""

from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.oauth import StoredRefreshToken
from fleetlink.storage.repositories.grant_rows import family, family_select
from fleetlink.storage.tables import oauth_grants, oauth_refresh_tokens


class RefreshTokenRepository:
    """Refresh tokens by their digest."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_refresh_token(
        self, token_hash: str, grant_id: str, at: datetime, expires_at: datetime
    ) -> None:
        """Store a refresh token's digest in its grant's family."""
        await self._conn.execute(
            insert(oauth_refresh_tokens).values(
                token_hash=token_hash, grant_id=grant_id, issued_at=at, expires_at=expires_at
            )
        )

    async def refresh_token(self, token_hash: str) -> StoredRefreshToken | None:
        """The refresh token with this digest, with its grant."""
        stmt = family_select(
            oauth_refresh_tokens.c.expires_at, oauth_refresh_tokens.c.used_at
        ).join(oauth_refresh_tokens, oauth_refresh_tokens.c.grant_id == oauth_grants.c.id)
        row = (
            await self._conn.execute(stmt.where(oauth_refresh_tokens.c.token_hash == token_hash))
        ).first()
        if row is None:
            return None
        return StoredRefreshToken(
            family=family(row), expires_at=row.expires_at, used_at=row.used_at
        )

    async def use_refresh_token(self, token_hash: str, at: datetime) -> bool:
        """Mark a refresh token used; False if it already was.

        The condition is checked by the database as it writes, so of two servers presenting
        the same token at once exactly one sees True.
        """
        result = await self._conn.execute(
            update(oauth_refresh_tokens)
            .where(
                oauth_refresh_tokens.c.token_hash == token_hash,
                oauth_refresh_tokens.c.used_at.is_(None),
            )
            .values(used_at=at)
        )
        return result.rowcount == 1

    async def delete_expired_before(self, at: datetime) -> int:
        """Delete refresh tokens that expired before at, used or not.

        Once expired, none can be redeemed, and a reuse of one so old no longer needs to be
        told from a stranger's guess.
        """
        result = await self._conn.execute(
            delete(oauth_refresh_tokens).where(oauth_refresh_tokens.c.expires_at < at)
        )
        return result.rowcount
