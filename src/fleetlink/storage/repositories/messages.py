"""Raw vehicle messages: the idempotency key of ingestion and the short-term history."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.records import StoredMessage
from fleetlink.storage.tables import vehicle_messages


class MessageRepository:
    """Reads and writes raw messages."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_new(self, messages: Sequence[StoredMessage]) -> set[tuple[int, str]]:
        """Insert the messages not seen before, in one statement; return their keys."""
        if not messages:
            return set()
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        rows = [
            {
                "vehicle_id": m.vehicle_id,
                "message_id": m.message_id,
                "channel": m.channel,
                "recorded_at": m.recorded_at,
                "received_at": m.received_at,
                "payload": m.payload,
            }
            for m in messages
        ]
        # One statement for every batch size, so SQLAlchemy compiles it once; its
        # "insertmanyvalues" mode still sends the rows in a few multi-row INSERTs.
        stmt = (
            dialect.insert(vehicle_messages)
            .on_conflict_do_nothing(index_elements=["vehicle_id", "message_id"])
            .returning(vehicle_messages.c.vehicle_id, vehicle_messages.c.message_id)
        )
        result = await self._conn.execute(stmt, rows)
        return {(row.vehicle_id, row.message_id) for row in result}

    async def delete_received_before(self, cutoff: datetime) -> int:
        """Drop messages older than the retention; return how many went."""
        result = await self._conn.execute(
            delete(vehicle_messages).where(vehicle_messages.c.received_at < cutoff)
        )
        return result.rowcount
