"""Dead letters: written in one statement per batch, read by operators, deleted on purge."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.deadletters import DeadLetter
from fleetlink.storage.tables import dead_letters


def _letter(row: Any) -> DeadLetter:
    return DeadLetter(
        row.id,
        row.topic,
        row.vin,
        row.reason,
        row.error,
        bytes(row.payload),
        row.received_at,
        row.set_aside_at,
        row.replays,
    )


class DeadLetterRepository:
    """Reads and writes dead letters."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, letters: Sequence[DeadLetter]) -> None:
        """Set the letters aside, in one statement."""
        if not letters:
            return
        await self._conn.execute(
            insert(dead_letters),
            [
                {
                    "id": d.id,
                    "topic": d.topic,
                    "vin": d.vin,
                    "reason": d.reason,
                    "error": d.error,
                    "payload": d.payload,
                    "received_at": d.received_at,
                    "set_aside_at": d.set_aside_at,
                    "replays": d.replays,
                }
                for d in letters
            ],
        )

    async def newest(
        self, limit: int, *, reason: str | None = None, vin: str | None = None
    ) -> list[DeadLetter]:
        """The newest letters first, optionally of one reason or one vehicle."""
        query = select(dead_letters).order_by(dead_letters.c.received_at.desc(), dead_letters.c.id)
        if reason is not None:
            query = query.where(dead_letters.c.reason == reason)
        if vin is not None:
            query = query.where(dead_letters.c.vin == vin)
        rows = await self._conn.execute(query.limit(limit))
        return [_letter(row) for row in rows]

    async def get_many(self, ids: Sequence[str]) -> list[DeadLetter]:
        """The letters of these ids that exist, oldest first."""
        if not ids:
            return []
        rows = await self._conn.execute(
            select(dead_letters)
            .where(dead_letters.c.id.in_(ids))
            .order_by(dead_letters.c.received_at, dead_letters.c.id)
        )
        return [_letter(row) for row in rows]

    async def counts_by_reason(self) -> dict[str, int]:
        """How many letters each reason holds."""
        rows = await self._conn.execute(
            select(dead_letters.c.reason, func.count()).group_by(dead_letters.c.reason)
        )
        return {reason: count for reason, count in rows.tuples()}

    async def record_failures(self, failures: Sequence[tuple[str, str, str]]) -> None:
        """Note a failed replay of each (id, reason, error)."""
        if not failures:
            return
        stmt = (
            update(dead_letters)
            .where(dead_letters.c.id == bindparam("letter_id"))
            .values(
                reason=bindparam("new_reason"),
                error=bindparam("new_error"),
                replays=dead_letters.c.replays + 1,
            )
        )
        await self._conn.execute(
            stmt,
            [
                {"letter_id": i, "new_reason": reason, "new_error": error}
                for i, reason, error in failures
            ],
        )

    async def delete(
        self,
        *,
        ids: Sequence[str] | None = None,
        reason: str | None = None,
        received_before: datetime | None = None,
    ) -> int:
        """Delete the letters matching every filter given; return how many went."""
        stmt = delete(dead_letters)
        if ids is not None:
            stmt = stmt.where(dead_letters.c.id.in_(ids))
        if reason is not None:
            stmt = stmt.where(dead_letters.c.reason == reason)
        if received_before is not None:
            stmt = stmt.where(dead_letters.c.received_at < received_before)
        result = await self._conn.execute(stmt)
        return result.rowcount
