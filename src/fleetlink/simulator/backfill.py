"""Backfill history: live simulated vehicles through past days and ingest what they say.

The same vehicle models and the same ingestion code as a live fleet, in-process and
without a broker, so `fleetlink seed` histories look exactly like lived ones.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fleetlink.services.context import ServiceContext
from fleetlink.services.telemetry import Arrival, ingest
from fleetlink.simulator.model import DRIVING_TICK, SimVehicle
from fleetlink.telematics.codec import decode_object
from fleetlink.telematics.topics import Channel, topic

# A simulated day per round: few, large transactions (about 3,000 messages for 25 vehicles),
# and trip detection's stored progress read and written once a day per vehicle.
STEP = timedelta(days=1)
BATCH = 5_000
# History needs fewer samples than a live view: one a minute on the move, still several
# per trip and route corner (the server simplifies routes to fewer points anyway).
BACKFILL_TICK = timedelta(seconds=60)


@dataclass
class BackfillResult:
    """What a backfill stored."""

    messages: int = 0
    trips: int = 0


async def backfill(
    ctx: ServiceContext,
    vehicles: Sequence[SimVehicle],
    until: datetime,
    *,
    progress: Callable[[datetime], None] = lambda _at: None,
) -> BackfillResult:
    """Advance every vehicle to until, two simulated hours at a time, ingesting in batches."""
    result = BackfillResult()
    for vehicle in vehicles:
        vehicle.tick = BACKFILL_TICK
    start = min((v.now for v in vehicles), default=until)
    at = start
    while at < until:
        at = min(at + STEP, until)
        pending: list[Arrival] = []
        for vehicle in vehicles:
            for message in vehicle.advance(at):
                name = topic(vehicle.vin, Channel(message.channel))
                report = decode_object(name, message.body, vehicle.now)
                pending.append(Arrival(report, message.channel, message.body, vehicle.now))
        for i in range(0, len(pending), BATCH):
            stored = await ingest(ctx, pending[i : i + BATCH])
            result.messages += stored.applied
            result.trips += stored.trips_finished
        progress(at)
    for vehicle in vehicles:
        vehicle.tick = DRIVING_TICK
    return result
