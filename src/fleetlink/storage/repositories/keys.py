"""Token signing keys in the store, shared by every process and CLI command."""

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.records import StoredKey
from fleetlink.storage.tables import signing_keys


def _key(row: Any) -> StoredKey:
    return StoredKey(
        kid=row.kid,
        generation=row.generation,
        algorithm=row.algorithm,
        private_pem=row.private_pem,
        public_jwk=dict(row.public_jwk),
        created_at=row.created_at,
    )


class SigningKeyRepository:
    """Reads and writes signing keys."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def current(self) -> StoredKey | None:
        """The newest key, the one new tokens are signed with."""
        newest = select(func.max(signing_keys.c.generation)).scalar_subquery()
        stmt = select(signing_keys).where(signing_keys.c.generation == newest)
        row = (await self._conn.execute(stmt)).first()
        return _key(row) if row else None

    async def first(self) -> StoredKey | None:
        """The oldest key: never replaced, so what is derived from it stays valid."""
        stmt = select(signing_keys).order_by(signing_keys.c.generation).limit(1)
        row = (await self._conn.execute(stmt)).first()
        return _key(row) if row else None

    async def by_kid(self, kid: str) -> StoredKey | None:
        """The key a token names in its header."""
        row = (
            await self._conn.execute(select(signing_keys).where(signing_keys.c.kid == kid))
        ).first()
        return _key(row) if row else None

    async def all(self) -> list[StoredKey]:
        """Every key still trusted, newest first."""
        stmt = select(signing_keys).order_by(signing_keys.c.generation.desc())
        return [_key(row) for row in await self._conn.execute(stmt)]

    async def add(self, key: StoredKey) -> None:
        """Insert a key; a clash on generation means another process won the race."""
        await self._conn.execute(
            insert(signing_keys).values(
                kid=key.kid,
                generation=key.generation,
                algorithm=key.algorithm,
                private_pem=key.private_pem,
                public_jwk=key.public_jwk,
                created_at=key.created_at,
            )
        )
