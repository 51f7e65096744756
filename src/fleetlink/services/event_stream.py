"""The live stream: the events a subscriber may read, read from the outbox as they commit.

Each open stream polls the events table (every POLL_S, at once again while a read comes
back full) rather than listening to anything in this process's memory: an event written by
any server process (another's ingestion, its API) reaches every stream of every process,
with the same store and nothing else configured. Polling costs one indexed query per
stream per interval while nothing happens; with the access rule (services/webhook_access)
three when something did. The cursor (domain/stream.py) tells each event once, in order,
even when transactions commit out of order.
"""

import uuid
from collections.abc import Sequence

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.events import Event, EventType
from fleetlink.domain.stream import Cursor
from fleetlink.domain.webhooks import Subscriber, event_types
from fleetlink.services.context import ServiceContext
from fleetlink.services.webhook_access import readable
from fleetlink.storage.uow import UnitOfWork

POLL_S = 1.0
BATCH = 500


class EventStream:
    """One client's stream: what it may read, and where it stands in the outbox."""

    def __init__(
        self,
        ctx: ServiceContext,
        subscriber: Subscriber,
        types: frozenset[EventType],
        after: int,
    ) -> None:
        self._ctx = ctx
        self._subscriber = subscriber
        self._types = types
        self._cursor = Cursor(after)
        self.full = False

    async def poll(self) -> list[tuple[int, Event]]:
        """The events committed since the last poll that the subscriber may read, in order,
        each with its outbox position; `full` says whether more are waiting already."""
        async with self._ctx.store.reading() as uow:
            rows = await uow.events.after(self._cursor.floor, BATCH)
            new = self._cursor.take(rows, self._ctx.clock())
            wanted = [(p, e) for p, e in new if e.type in self._types]
            allowed = await readable(uow, [(self._subscriber, e) for _, e in wanted])
        self.full = len(rows) == BATCH and bool(new)
        return [pe for pe, ok in zip(wanted, allowed, strict=True) if ok]


async def open_stream(
    ctx: ServiceContext,
    subscriber: Subscriber,
    last_event_id: str | None,
    types: Sequence[str] = (),
) -> EventStream:
    """A stream from now, or resumed after the event a client last received."""
    wanted = event_types(list(types)) if types else frozenset(EventType)
    async with ctx.store.reading() as uow:
        if last_event_id is None:
            after = await uow.events.last_position()
        else:
            after = await _resume_point(uow, last_event_id)
    return EventStream(ctx, subscriber, wanted, after)


async def _resume_point(uow: UnitOfWork, last_event_id: str) -> int:
    """The outbox position a Last-Event-ID names: a position the stream sent, or an event id."""
    given = last_event_id.strip()
    if given.isascii() and given.isdigit() and len(given) <= 18:
        return int(given)
    try:
        event_id = str(uuid.UUID(given))
    except ValueError:
        raise InvalidInput(
            "Last-Event-ID must be the id of an event this stream sent (a number) "
            "or an event's id (a UUID)"
        ) from None
    position = await uow.events.position_of(event_id)
    if position is None:
        raise InvalidInput(
            f"Last-Event-ID {event_id} is no event this server keeps "
            "(unknown, or older than the event retention): reconnect without it"
        )
    return position
