"""What a vehicle has done and been through: trips, notifications, service visits."""

from collections.abc import Sequence
from datetime import date

from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import InvalidInput, NotFound
from fleetlink.domain.notifications import Notification, NotificationPage, ServiceRecord
from fleetlink.domain.trips import Trip, TripPage, TripQuery
from fleetlink.domain.vehicle import Vehicle
from fleetlink.services.context import ServiceContext
from fleetlink.services.ownership import owned_vehicle

MAX_MARKED = 500


async def list_trips(
    ctx: ServiceContext, account: Account, vin: str, query: TripQuery
) -> tuple[Vehicle, TripPage]:
    """The vehicle and a page of its trips, newest first."""
    async with ctx.store.reading() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        return vehicle, await uow.trips.page(vehicle.id, query, since=vehicle.owner_since)


async def list_notifications(
    ctx: ServiceContext, account: Account, vin: str, *, unread_only: bool
) -> NotificationPage:
    """The vehicle's notifications, newest first, with true counts."""
    async with ctx.store.reading() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        return await uow.notifications.page(vehicle.id, unread_only, since=vehicle.owner_since)


async def mark_notifications_read(
    ctx: ServiceContext, account: Account, vin: str, ids: Sequence[str]
) -> int:
    """Mark notifications of the caller's vehicle read; others' ids change nothing."""
    if len(ids) > MAX_MARKED:
        raise InvalidInput(f"at most {MAX_MARKED} notifications at once, got {len(ids)}")
    async with ctx.store.writing() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        marked = await uow.notifications.mark_read(vehicle.id, ids, since=vehicle.owner_since)
        await uow.commit()
    return marked


async def list_service_records(
    ctx: ServiceContext, account: Account, vin: str
) -> tuple[Vehicle, list[ServiceRecord]]:
    """The vehicle and its service visits, newest first."""
    async with ctx.store.reading() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        return vehicle, await uow.service_records.for_vehicle(vehicle.id)


async def record_history(
    ctx: ServiceContext,
    *,
    trips: Sequence[Trip] = (),
    notifications: Sequence[Notification] = (),
    service_records: Sequence[ServiceRecord] = (),
) -> None:
    """Store finished trips, new notifications and service visits together, in batches."""
    async with ctx.store.writing() as uow:
        await uow.trips.add_many(trips)
        await uow.notifications.add_many(notifications)
        await uow.service_records.add_many(service_records)
        await uow.commit()


async def get_trip(
    ctx: ServiceContext, account: Account, vin: str, trip_id: str, day: date
) -> Trip:
    """One trip of the vehicle that started on day (UTC), with its route."""
    async with ctx.store.reading() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        offset = 0
        while True:
            query = TripQuery(day, day, offset=offset, include_route=True)
            page = await uow.trips.page(vehicle.id, query, since=vehicle.owner_since)
            for trip in page.trips:
                if trip.id == trip_id:
                    return trip
            offset += len(page.trips)
            if not page.trips or offset >= page.total:
                raise NotFound(f"no trip {trip_id} on {day}")
