"""The events outbox: numbered and written in the transaction of the change that caused them."""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.events import Event, EventType
from fleetlink.domain.webhooks import DeliveryStatus
from fleetlink.storage.tables import events, vehicles, webhook_attempts, webhook_deliveries
from fleetlink.storage.text import storable


def event_of(row: Any) -> Event:
    """An event from its row."""
    return Event(
        id=row.id,
        type=EventType(row.type),
        vin=row.vin,
        vehicle_id=row.vehicle_id,
        occurred_at=row.occurred_at,
        data=row.data,
        sequence=row.sequence,
        client_id=row.client_id,
    )


class EventRepository:
    """Writes events to the outbox and reads them back in order."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, new: Sequence[Event], recorded_at: datetime) -> list[Event]:
        """Number the events per vehicle and insert them: two statements, whatever their count.

        Each vehicle's counter (vehicles.event_seq) is raised by its number of events in one
        UPDATE … RETURNING. The update locks the vehicle's row until commit, so a second
        transaction writing events of the same vehicle waits and then numbers after these:
        no two events of a vehicle share a number, and a rolled-back transaction gives its
        numbers back with the rest of its writes. The events of a batch keep their order.
        """
        if not new:
            return []
        counts = Counter(e.vehicle_id for e in new if e.vehicle_id is not None)
        last: dict[int, int] = {}
        if counts:
            ids = sorted(counts)
            raised = (
                update(vehicles)
                .where(vehicles.c.id.in_(ids))
                .values(event_seq=vehicles.c.event_seq + case(counts, value=vehicles.c.id))
                .returning(vehicles.c.id, vehicles.c.event_seq)
            )
            last = {row.id: row.event_seq for row in await self._conn.execute(raised)}
        next_seq = {vid: last[vid] - n + 1 for vid, n in counts.items()}
        numbered = []
        for e in new:
            if e.vehicle_id is None:
                numbered.append(e)
                continue
            numbered.append(e.numbered(next_seq[e.vehicle_id]))
            next_seq[e.vehicle_id] += 1
        rows = [
            {
                "id": e.id,
                "type": e.type.value,
                "vin": e.vin,
                "vehicle_id": e.vehicle_id,
                "sequence": e.sequence,
                "client_id": e.client_id,
                "occurred_at": e.occurred_at,
                "recorded_at": recorded_at,
                "data": e.data,
                "dispatched": False,
            }
            for e in numbered
        ]
        await self._conn.execute(insert(events), rows)
        return numbered

    async def by_ids(self, ids: Sequence[str]) -> list[Event]:
        """The events with these ids, in the order they were written."""
        ids = [i for i in ids if storable(i)]
        if not ids:
            return []
        rows = await self._conn.execute(
            select(events).where(events.c.id.in_(ids)).order_by(events.c.position)
        )
        return [event_of(r) for r in rows]

    async def recorded_between(self, start: datetime, end: datetime, limit: int) -> list[Event]:
        """Events stored in [start, end), oldest first, at most limit."""
        rows = await self._conn.execute(
            select(events)
            .where(events.c.recorded_at >= start, events.c.recorded_at < end)
            .order_by(events.c.position)
            .limit(limit)
        )
        return [event_of(r) for r in rows]

    async def after(self, position: int, limit: int) -> list[tuple[int, Event]]:
        """Events written after position, in order, with their positions; at most limit."""
        rows = await self._conn.execute(
            select(events)
            .where(events.c.position > position)
            .order_by(events.c.position)
            .limit(limit)
        )
        return [(r.position, event_of(r)) for r in rows]

    async def last_position(self) -> int:
        """The position of the latest event written (0 when there is none)."""
        return int(await self._conn.scalar(select(func.max(events.c.position))) or 0)

    async def position_of(self, event_id: str) -> int | None:
        """Where the event with this id stands in the outbox, if it is still kept."""
        found = await self._conn.scalar(select(events.c.position).where(events.c.id == event_id))
        return None if found is None else int(found)

    async def of_vehicle(self, vehicle_id: int) -> list[Event]:
        """A vehicle's events in its sequence."""
        rows = await self._conn.execute(
            select(events).where(events.c.vehicle_id == vehicle_id).order_by(events.c.sequence)
        )
        return [event_of(r) for r in rows]

    async def delete_recorded_before(self, cutoff: datetime, limit: int) -> tuple[int, int, int]:
        """Delete at most limit events stored before cutoff, with their deliveries and attempts.

        An event not yet fanned out, or with a delivery still pending (retrying), is kept
        until its delivery ends. Returns (events, deliveries, attempts) deleted.
        """
        d = webhook_deliveries
        owed = exists().where(
            d.c.event_id == events.c.id, d.c.status == DeliveryStatus.PENDING.value
        )
        doomed = (
            select(events.c.position, events.c.id)
            .where(events.c.recorded_at < cutoff, events.c.dispatched.is_(True), ~owed)
            .order_by(events.c.position)
            .limit(limit)
            .with_for_update(of=events, skip_locked=True)
        )
        rows = (await self._conn.execute(doomed)).all()
        if not rows:
            return 0, 0, 0
        ids = [r.id for r in rows]
        deliveries = select(d.c.id).where(d.c.event_id.in_(ids))
        attempts = await self._conn.execute(
            delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(deliveries))
        )
        gone = await self._conn.execute(delete(d).where(d.c.event_id.in_(ids)))
        positions = [r.position for r in rows]
        await self._conn.execute(delete(events).where(events.c.position.in_(positions)))
        return len(rows), gone.rowcount, attempts.rowcount
