"""Accounts in the store."""

from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.accounts import Account
from fleetlink.storage.tables import accounts


def _account(row: Any) -> Account:
    return Account(
        id=row.id,
        guid=row.guid,
        email=row.email,
        password_hash=row.password_hash,
        created_at=row.created_at,
    )


class AccountRepository:
    """Reads and writes accounts."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, account: Account) -> Account:
        """Insert the account and return it with its store id."""
        result = await self._conn.execute(
            insert(accounts)
            .values(
                guid=account.guid,
                email=account.email,
                password_hash=account.password_hash,
                created_at=account.created_at,
            )
            .returning(accounts.c.id)
        )
        return replace(account, id=result.scalar_one())

    async def by_email(self, email: str) -> Account | None:
        """Find an account by its normalised email."""
        row = (await self._conn.execute(select(accounts).where(accounts.c.email == email))).first()
        return _account(row) if row else None

    async def by_guid(self, guid: str) -> Account | None:
        """Find an account by its public guid."""
        row = (await self._conn.execute(select(accounts).where(accounts.c.guid == guid))).first()
        return _account(row) if row else None
