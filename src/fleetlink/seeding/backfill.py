"""Backfill history: live simulated vehicles through past days and ingest what they say.

The same vehicle models and the same ingestion code as a live fleet, in-process and
without a broker, so `fleetlink seed` histories look exactly like lived ones. Here the
models run in this process; fleetlink.seeding.lifeworker runs them in another.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog

from fleetlink.services.context import ServiceContext
from fleetlink.services.telemetry import Arrival, ingest
from fleetlink.simulator.history import bulk_allocation, lived_days
from fleetlink.simulator.model import SimVehicle
from fleetlink.telematics.codec import decode_object
from fleetlink.telematics.payload import MalformedMessage

log = structlog.get_logger(__name__)
BATCH = 5_000


@dataclass
class BackfillResult:
    """What a backfill stored."""

    messages: int = 0
    trips: int = 0
    charging_sessions: int = 0
    # Messages the decoder refused (a model bug: counted and dropped, as from any unit).
    dropped: int = 0


async def ingest_day(
    ctx: ServiceContext, arrivals: Sequence[Arrival], into: BackfillResult
) -> None:
    """Store a day of the fleet's messages, in transactions of at most BATCH."""
    for i in range(0, len(arrivals), BATCH):
        stored = await ingest(ctx, arrivals[i : i + BATCH])
        into.messages += stored.applied
        into.trips += stored.trips_finished
        into.charging_sessions += stored.charging_sessions


async def backfill(
    ctx: ServiceContext,
    vehicles: Sequence[SimVehicle],
    until: datetime,
    *,
    progress: Callable[[datetime], None] = lambda _at: None,
) -> BackfillResult:
    """Advance every vehicle to until, a simulated day at a time, ingesting each day."""
    result = BackfillResult()
    with bulk_allocation():
        for at, sent in lived_days(vehicles, until):
            arrivals = []
            for name, channel, body, when in sent:
                try:
                    arrivals.append(Arrival(decode_object(name, body, when), channel, body, when))
                except MalformedMessage as exc:
                    dropped(name, exc, result)
            await ingest_day(ctx, arrivals, result)
            progress(at)
    return result


def dropped(topic_name: str, exc: MalformedMessage, into: BackfillResult) -> None:
    """Count and log a message the decoder refused, as the broker's uplink does."""
    into.dropped += 1
    log.warning("backfill.malformed", topic=topic_name, reason=exc.reason, detail=exc.detail)
