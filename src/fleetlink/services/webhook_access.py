"""Which events a subscriber may be told: only of vehicles it may read right now.

A fleet (a High Mobility client) reads the vehicles whose clearance is approved and that
are still in its fleet, and is told of its own clearances whatever they became; an owner
reads their own vehicles. Neither is told of what happened before the vehicle's present
owner had it (a transfer). Webhooks ask at fan-out and again before each send, so when
access ends, events stop, those already queued included; the live stream asks for each
batch it reads. Two queries however many pairs.
"""

from collections.abc import Sequence

from fleetlink.domain.events import Event, EventType
from fleetlink.domain.webhooks import Subscriber
from fleetlink.storage.uow import UnitOfWork


async def readable(uow: UnitOfWork, pairs: Sequence[tuple[Subscriber, Event]]) -> list[bool]:
    """For each (subscriber, event), whether it may be told now."""
    vehicle_ids = sorted({e.vehicle_id for _, e in pairs if e.vehicle_id is not None})
    client_ids = sorted({s.client_id for s, _ in pairs if s.client_id})
    cleared = await uow.deliveries.cleared(client_ids, vehicle_ids)
    owners = await uow.deliveries.owners(vehicle_ids)
    out = []
    for who, event in pairs:
        client, account = who.client_id, who.account_id
        if event.type is EventType.CLEARANCE_CHANGED:
            out.append(client is not None and client == event.client_id)
            continue
        if event.vehicle_id is None:
            out.append(False)
            continue
        owner, since = owners.get(event.vehicle_id, (None, None))
        # Whoever reads for the present owner is told nothing from before they had the car.
        if since is not None and event.occurred_at < since:
            out.append(False)
        elif client is not None:
            out.append((client, event.vehicle_id) in cleared)
        else:
            out.append(owner == account)
    return out
