"""The demo fleet's past at the dealer, recorded the way a live visit is.

Each visit (fleetlink.simulator.pasthistory) is the `service_performed` event its unit would
have sent, decoded and ingested like any other message: the service record, the owner's
notification and the event for apps all come from ingestion, not from writing rows here.
"""

from collections.abc import Sequence
from datetime import datetime

from fleetlink.services.context import ServiceContext
from fleetlink.services.telemetry import Arrival, ingest
from fleetlink.simulator.fleetgen import FleetVehicle
from fleetlink.simulator.pasthistory import past_visits
from fleetlink.telematics.codec import decode_object
from fleetlink.telematics.topics import Channel, topic


async def record_service_history(
    ctx: ServiceContext, fleet: Sequence[FleetVehicle], seed: int, until: datetime
) -> int:
    """Ingest the visits each vehicle had before until, in one batch; how many were applied.

    Each arrives as it would have: received when the unit sent it, just after the visit.
    """
    arrivals = []
    for vehicle in fleet:
        for visit in past_visits(vehicle, seed, until):
            channel = Channel(visit.message.channel)
            body = visit.message.body
            report = decode_object(topic(vehicle.vin, channel), body, visit.at)
            arrivals.append(Arrival(report, channel.value, body, visit.at))
    if not arrivals:
        return 0
    return (await ingest(ctx, arrivals)).applied
