"""Trip detection's progress survives the store exactly, and writers take turns over it."""

import asyncio
from datetime import UTC, datetime

from fleetlink.bootstrap import Container
from fleetlink.domain.tripprogress import OpenTrip, TripProgress
from fleetlink.domain.trips import RoutePoint, encode_route
from tests.conftest import OwnerFactory

AT = datetime(2026, 5, 1, 8, 0, 12, 345678, tzinfo=UTC)


def _progress(vehicle_id: int) -> TripProgress:
    route = (RoutePoint(35.0, 137.0, AT), RoutePoint(35.0123456789, 137.0987654321, AT))
    return TripProgress(
        vehicle_id,
        seen_at=AT,
        reports_ignition=True,
        ignition_on=True,
        position=RoutePoint(35.0123456789, 137.0987654321, AT),
        anchor=(35.01, 137.09),
        odometer_km=18250.4,
        trip=OpenTrip(
            started_at=AT,
            route=encode_route(route),
            route_points=2,
            route_end=route[-1],
            start_odometer_km=18240.0,
            odometer_km=18250.4,
            gps_km=10.123456789,
            max_speed_kmh=88.8,
            derived_max_speed_kmh=91.25,
            stopped_at=AT,
            start_soc_pct=81.5,
            start_fuel_pct=None,
        ),
        soc_pct=79.3,
        fuel_pct=None,
    )


async def test_progress_comes_back_from_the_store_exactly(
    container: Container, make_owner: OwnerFactory
) -> None:
    one, two = (await make_owner(count=2)).vehicles
    stored = [_progress(one.id), TripProgress(two.id, seen_at=AT)]
    async with container.store.writing() as uow:
        await uow.trip_progress.add_many(stored)
        await uow.commit()

    async with container.store.reading() as uow:
        loaded = await uow.trip_progress.get_many([one.id, two.id])

    assert loaded == {one.id: stored[0], two.id: stored[1]}


async def test_progress_that_has_seen_nothing_is_not_stored(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    async with container.store.writing() as uow:
        await uow.trip_progress.add_many([TripProgress(vehicle.id)])
        await uow.commit()

    async with container.store.reading() as uow:
        assert await uow.trip_progress.get_many([vehicle.id]) == {}


async def test_a_second_writer_waits_for_the_first_and_reads_what_it_wrote(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    async with container.store.writing() as uow:
        await uow.trip_progress.add_many([TripProgress(vehicle.id, seen_at=AT)])
        await uow.commit()
    newer = _progress(vehicle.id)

    async def second_writer() -> TripProgress:
        async with container.store.writing() as uow:
            return (await uow.trip_progress.get_many([vehicle.id]))[vehicle.id]

    async with container.store.writing() as first:
        await first.trip_progress.get_many([vehicle.id])
        waiting = asyncio.create_task(second_writer())
        await asyncio.sleep(0.3)
        assert not waiting.done(), "the second writer must not read while the first works"
        await first.trip_progress.update_many([newer])
        await first.commit()

    assert await asyncio.wait_for(waiting, timeout=10) == newer
