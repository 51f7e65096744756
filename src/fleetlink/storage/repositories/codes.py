"""Authorization codes: single use, bound to a grant, a redirect URI and a PKCE challenge."""

from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.oauth import StoredCode
from fleetlink.storage.repositories.grant_rows import family, family_select
from fleetlink.storage.tables import oauth_codes, oauth_grants


class CodeRepository:
    """Codes by their digest."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_code(
        self,
        code_hash: str,
        grant_id: str,
        redirect_uri: str,
        code_challenge: str,
        at: datetime,
        expires_at: datetime,
    ) -> None:
        """Store an authorization code's digest and what it is bound to."""
        await self._conn.execute(
            insert(oauth_codes).values(
                code_hash=code_hash,
                grant_id=grant_id,
                redirect_uri=redirect_uri,
                code_challenge=code_challenge,
                created_at=at,
                expires_at=expires_at,
            )
        )

    async def code(self, code_hash: str) -> StoredCode | None:
        """The code with this digest, with its grant."""
        stmt = family_select(
            oauth_codes.c.redirect_uri,
            oauth_codes.c.code_challenge,
            oauth_codes.c.expires_at,
            oauth_codes.c.used_at,
        ).join(oauth_codes, oauth_codes.c.grant_id == oauth_grants.c.id)
        row = (await self._conn.execute(stmt.where(oauth_codes.c.code_hash == code_hash))).first()
        if row is None:
            return None
        return StoredCode(
            family=family(row),
            redirect_uri=row.redirect_uri,
            code_challenge=row.code_challenge,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def use_code(self, code_hash: str, at: datetime) -> bool:
        """Mark a code used; False if it already was (by this or another server's request)."""
        result = await self._conn.execute(
            update(oauth_codes)
            .where(oauth_codes.c.code_hash == code_hash, oauth_codes.c.used_at.is_(None))
            .values(used_at=at)
        )
        return result.rowcount == 1

    async def delete_expired_before(self, at: datetime) -> int:
        """Delete codes that expired before at, used or not (neither can be redeemed)."""
        result = await self._conn.execute(delete(oauth_codes).where(oauth_codes.c.expires_at < at))
        return result.rowcount
