"""Accounts in the store."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.accounts import NO_PASSWORD, Account
from fleetlink.domain.operators import OwnerSummary
from fleetlink.storage.tables import accounts, vehicles

# Every request's account check: one statement object, so SQLAlchemy keys it in its
# compiled cache once rather than walking a new one each time.
_BY_GUID = select(accounts).where(accounts.c.guid == bindparam("guid"))


def _account(row: Any) -> Account:
    return Account(
        id=row.id,
        guid=row.guid,
        email=row.email,
        password_hash=row.password_hash,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
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

    async def add_many(self, new: Sequence[Account]) -> list[Account]:
        """Insert accounts in one statement; return them with their store ids."""
        if not new:
            return []
        await self._conn.execute(
            insert(accounts),
            [
                {
                    "guid": a.guid,
                    "email": a.email,
                    "password_hash": a.password_hash,
                    "created_at": a.created_at,
                }
                for a in new
            ],
        )
        stored = await self.by_emails([a.email for a in new])
        return [stored[a.email] for a in new]

    async def by_emails(self, emails: Sequence[str]) -> dict[str, Account]:
        """The accounts of those normalised emails that have one, by email."""
        if not emails:
            return {}
        stmt = select(accounts).where(accounts.c.email.in_(list(emails)))
        return {row.email: _account(row) for row in await self._conn.execute(stmt)}

    async def by_email(self, email: str) -> Account | None:
        """Find an account by its normalised email."""
        row = (await self._conn.execute(select(accounts).where(accounts.c.email == email))).first()
        return _account(row) if row else None

    async def by_id(self, account_id: int) -> Account | None:
        """Find an account by its store id."""
        row = (
            await self._conn.execute(select(accounts).where(accounts.c.id == account_id))
        ).first()
        return _account(row) if row else None

    async def by_guid(self, guid: str) -> Account | None:
        """Find an account by its public guid."""
        row = (await self._conn.execute(_BY_GUID, {"guid": guid})).first()
        return _account(row) if row else None

    async def disable(self, account_id: int, at: datetime) -> None:
        """Disable the account from at on (a second call keeps the first time)."""
        await self._conn.execute(
            update(accounts)
            .where(accounts.c.id == account_id, accounts.c.disabled_at.is_(None))
            .values(disabled_at=at)
        )

    async def set_password_hash(self, account_id: int, password_hash: str) -> None:
        """Store the account's new password hash."""
        await self._conn.execute(
            update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash)
        )

    async def summaries(
        self, after_email: str | None, limit: int, *, account_id: int | None = None
    ) -> list[OwnerSummary]:
        """Up to limit accounts (or just account_id) in email order after after_email, each
        with its vehicle count."""
        counts = (
            select(vehicles.c.owner_id, func.count().label("n"))
            .where(vehicles.c.owner_id.is_not(None))
            .group_by(vehicles.c.owner_id)
            .subquery()
        )
        stmt = (
            select(accounts, func.coalesce(counts.c.n, 0).label("vehicle_count"))
            .outerjoin(counts, counts.c.owner_id == accounts.c.id)
            .order_by(accounts.c.email)
            .limit(limit)
        )
        if after_email is not None:
            stmt = stmt.where(accounts.c.email > after_email)
        if account_id is not None:
            stmt = stmt.where(accounts.c.id == account_id)
        return [
            OwnerSummary(
                guid=row.guid,
                email=row.email,
                created_at=row.created_at,
                disabled_at=row.disabled_at,
                has_password=row.password_hash != NO_PASSWORD,
                vehicles=row.vehicle_count,
            )
            for row in await self._conn.execute(stmt)
        ]
