"""Single-use password links in the store, by the digest of their token."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.storage.tables import password_links


@dataclass(frozen=True, slots=True)
class StoredLink:
    """A password link as stored."""

    account_id: int
    expires_at: datetime
    used_at: datetime | None


class PasswordLinkRepository:
    """Reads, writes and spends password links."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self, token_hash: str, account_id: int, at: datetime, expires_at: datetime
    ) -> None:
        """Store a new link."""
        await self._conn.execute(
            insert(password_links).values(
                token_hash=token_hash, account_id=account_id, created_at=at, expires_at=expires_at
            )
        )

    async def add_many(
        self, token_hashes: Mapping[int, str], at: datetime, expires_at: datetime
    ) -> None:
        """Store a new link for each account id → its token's digest, in one statement."""
        if token_hashes:
            await self._conn.execute(
                insert(password_links),
                [
                    {"token_hash": h, "account_id": a, "created_at": at, "expires_at": expires_at}
                    for a, h in token_hashes.items()
                ],
            )

    async def get(self, token_hash: str) -> StoredLink | None:
        """The link with this digest, spent or not."""
        stmt = select(password_links).where(password_links.c.token_hash == token_hash)
        row = (await self._conn.execute(stmt)).first()
        return StoredLink(row.account_id, row.expires_at, row.used_at) if row else None

    async def use(self, token_hash: str, at: datetime) -> bool:
        """Spend the link; False if another request spent it first."""
        result = await self._conn.execute(
            update(password_links)
            .where(password_links.c.token_hash == token_hash, password_links.c.used_at.is_(None))
            .values(used_at=at)
        )
        return result.rowcount == 1

    async def expire_account(self, account_id: int, at: datetime) -> None:
        """Spend every unused link of an account (it was disabled, or a new link replaces them)."""
        await self._conn.execute(
            update(password_links)
            .where(password_links.c.account_id == account_id, password_links.c.used_at.is_(None))
            .values(used_at=at)
        )
