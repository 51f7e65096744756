"""Operator accounts in the store."""

from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.operators import Operator
from fleetlink.storage.tables import operators


def _operator(row: Any) -> Operator:
    return Operator(
        id=row.id,
        guid=row.guid,
        email=row.email,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


class OperatorRepository:
    """Reads and writes operator accounts."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, operator: Operator) -> Operator:
        """Insert the operator and return it with its store id."""
        result = await self._conn.execute(
            insert(operators)
            .values(guid=operator.guid, email=operator.email, created_at=operator.created_at)
            .returning(operators.c.id)
        )
        return replace(operator, id=result.scalar_one())

    async def by_email(self, email: str) -> Operator | None:
        """Find an operator by normalised email."""
        stmt = select(operators).where(operators.c.email == email)
        row = (await self._conn.execute(stmt)).first()
        return _operator(row) if row else None

    async def by_guid(self, guid: str) -> Operator | None:
        """Find an operator by the guid its tokens name."""
        stmt = select(operators).where(operators.c.guid == guid)
        row = (await self._conn.execute(stmt)).first()
        return _operator(row) if row else None
