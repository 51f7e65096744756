"""Which events a subscriber may be told: only of vehicles it may read right now.

A fleet (a High Mobility client) reads the vehicles whose clearance is approved and that
are still in its fleet, and is told of its own clearances whatever they became; an owner
reads their own vehicles. Neither is told of what happened before the vehicle's present
owner had it (a transfer). Webhooks ask at fan-out and again before each send, so when
access ends, events stop, those already queued included; the live stream asks for each
batch it reads. Two queries however many pairs.
"""

from collections import defaultdict
from collections.abc import Sequence

from fleetlink.domain.events import Event, EventType
from fleetlink.domain.webhooks import Subscriber
from fleetlink.storage.uow import UnitOfWork


async def readable(uow: UnitOfWork, pairs: Sequence[tuple[Subscriber, Event]]) -> list[bool]:
    """For each (subscriber, event), whether it may be told now."""
    told = list({e.id: e for _, e in pairs}.values())
    who = await readers(uow, told, sorted({s for s, _ in pairs}, key=str))
    allowed = {e.id: w for e, w in zip(told, who, strict=True)}
    return [s in allowed[e.id] for s, e in pairs]


async def readers(
    uow: UnitOfWork, told: Sequence[Event], candidates: Sequence[Subscriber]
) -> list[set[Subscriber]]:
    """For each event, which of the candidates may be told of it now: linear in events and
    candidates, where asking for every pair would be their product (fan-out's case)."""
    vehicle_ids = sorted({e.vehicle_id for e in told if e.vehicle_id is not None})
    client_ids = sorted({c.client_id for c in candidates if c.client_id})
    cleared: dict[int, set[str]] = defaultdict(set)
    for client, vehicle_id in await uow.deliveries.cleared(client_ids, vehicle_ids):
        cleared[vehicle_id].add(client)
    owners = await uow.deliveries.owners(vehicle_ids)
    known = set(candidates)
    out: list[set[Subscriber]] = []
    for event in told:
        who: set[Subscriber] = set()
        if event.type is EventType.CLEARANCE_CHANGED:
            if event.client_id is not None:
                who.add(Subscriber(client_id=event.client_id))
        elif event.vehicle_id is not None:
            owner, since = owners.get(event.vehicle_id, (None, None))
            # Whoever reads for the present owner is told nothing from before they had the car.
            if since is None or event.occurred_at >= since:
                if owner is not None:
                    who.add(Subscriber(account_id=owner))
                who.update(Subscriber(client_id=c) for c in cleared[event.vehicle_id])
        out.append(who & known)
    return out
