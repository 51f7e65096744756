"""A vehicle's month in figures, for its owner or a cleared fleet."""

from fleetlink.domain.catalog import stores_of
from fleetlink.domain.driving import DrivingTotals, driving_totals
from fleetlink.domain.statistics import Month, MonthStatistics, month_statistics
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.charging import settled_for
from fleetlink.services.context import ServiceContext
from fleetlink.services.ownership import readable_vehicle


async def monthly_statistics(
    ctx: ServiceContext, who: Subscriber, vin: str, month_text: str
) -> MonthStatistics:
    """The month's figures (UTC), of the present owner's time only. Three queries."""
    figures, _ = await month_overview(ctx, who, vin, month_text)
    return figures


async def month_overview(
    ctx: ServiceContext, who: Subscriber, vin: str, month_text: str
) -> tuple[MonthStatistics, DrivingTotals]:
    """The month's figures and its driving totals (average, longest, top speed), from one
    reading of its trips, so the two always agree."""
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
    stores = stores_of(vehicle.make, vehicle.model)
    return month_statistics(month, stores, trips, sessions, before), driving_totals(trips)
