"""What owners and fleets read of a vehicle's charging: its sessions, one with its curve."""

from collections.abc import Sequence

from fleetlink.domain.charging import ChargingPage, ChargingQuery, ChargingSession
from fleetlink.domain.errors import NotFound
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.context import ServiceContext
from fleetlink.services.fleet import settle_due
from fleetlink.services.ownership import readable_vehicle


async def settled_for(ctx: ServiceContext, who: Subscriber) -> None:
    """Settle a fleet's clearances that are due, so it reads what it may by now."""
    if who.client_id is None:
        return
    async with ctx.store.reading() as uow:
        due = await uow.fleet.has_due(who.client_id, ctx.clock())
    if due:
        await settle_due(ctx, who.client_id)


async def list_sessions(
    ctx: ServiceContext, who: Subscriber, vin: str, query: ChargingQuery
) -> ChargingPage:
    """A page of the vehicle's sessions, newest first, without their curves.

    Whoever reads, reads for the present owner: nothing from before they had the vehicle.
    """
    await settled_for(ctx, who)
    async with ctx.store.reading() as uow:
        vehicle = await readable_vehicle(uow, who, vin)
        return await uow.charging_sessions.page(vehicle.id, query, since=vehicle.owner_since)


async def get_session(
    ctx: ServiceContext, who: Subscriber, vin: str, session_id: str
) -> ChargingSession:
    """One of the vehicle's sessions, with its charge curve."""
    await settled_for(ctx, who)
    async with ctx.store.reading() as uow:
        vehicle = await readable_vehicle(uow, who, vin)
        session = await uow.charging_sessions.get(vehicle.id, session_id)
    if session is None or not vehicle.owners_record(session.started_at):
        raise NotFound(f"charging session {session_id!r} not found")
    return session


async def place_names(
    ctx: ServiceContext, sessions: Sequence[ChargingSession]
) -> dict[str, str | None]:
    """Each session's place named after the nearest town, by id, in one lookup.

    Sessions are not stored with a name (trips are): the web app names them as it shows them,
    and without a geocoder (the `geo` extra, FLEETLINK_GEOCODE) every name is None.
    """
    ids: list[str] = []
    points: list[tuple[float, float]] = []
    for session in sessions:
        if session.latitude is not None and session.longitude is not None:
            ids.append(session.id)
            points.append((session.latitude, session.longitude))
    if ctx.geocoder is None or not points:
        return {session.id: None for session in sessions}
    found = dict(zip(ids, await ctx.geocoder.places(points), strict=True))
    return {session.id: found.get(session.id) for session in sessions}
