"""A vehicle's month in figures, for its owner or a cleared fleet."""

from fleetlink.domain.catalog import CATALOG
from fleetlink.domain.statistics import Month, MonthStatistics, Stores, month_statistics
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.charging import settled_for
from fleetlink.services.context import ServiceContext
from fleetlink.services.ownership import readable_vehicle

_SPECS = {(m.make, m.model): m for m in CATALOG}


def stores_of(vehicle: Vehicle) -> Stores:
    """The capacities of the vehicle's model; a battery counts only if the owner charges it."""
    spec = _SPECS.get((vehicle.make, vehicle.model))
    if spec is None:
        return Stores()
    battery = spec.battery_kwh if spec.powertrain.is_pluggable else None
    return Stores(battery_kwh=battery, tank_l=spec.fuel_tank_l)


async def monthly_statistics(
    ctx: ServiceContext, who: Subscriber, vin: str, month_text: str
) -> MonthStatistics:
    """The month's figures (UTC), of the present owner's time only. Three queries."""
    month = Month.parse(month_text)
    await settled_for(ctx, who)
    async with ctx.store.reading() as uow:
        vehicle = await readable_vehicle(uow, who, vin)
        since = vehicle.owner_since
        start = month.start if since is None else max(month.start, since)
        trips = await uow.trips.between(vehicle.id, start, month.end) if start < month.end else []
        before = await uow.trips.last_before(vehicle.id, start, since=since)
        from_at = before.end.at if before is not None else start
        sessions = await uow.charging_sessions.between(vehicle.id, from_at, month.end)
    return month_statistics(month, stores_of(vehicle), trips, sessions, before)
