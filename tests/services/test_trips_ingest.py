"""Trips derived during ingestion: detected once, whatever the batching, redelivery or order,
carried on from the store by whichever server ingests next, and served by the Toyota API."""

import json
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from fleetlink.bootstrap import Container
from fleetlink.domain.geo import EARTH_RADIUS_M
from fleetlink.domain.reports import EventKind
from fleetlink.domain.trips import MAX_TRIPS_PAGE, Trip, TripQuery
from fleetlink.services.context import ServiceContext
from fleetlink.services.telemetry import Arrival, ingest
from fleetlink.storage.database import create_engine
from fleetlink.storage.uow import Store
from fleetlink.telematics.codec import decode
from fleetlink.telematics.encoding import encode_event, encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import ANY_TIME, OwnerFactory, listened_engines

# After the generated starting state, which the vehicles reported minutes ago.
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
LAT0, LON0 = 35.0, 137.0
M_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_M
KM_PER_MILE = 1.609344


def _arrival(vin: str, channel: Channel, payload: bytes) -> Arrival:
    received = datetime.now(UTC)
    return Arrival(
        decode(topic(vin, channel), payload, received, ANY_TIME),
        channel.value,
        json.loads(payload),
        received,
    )


def telemetry(vin: str, mid: str, at: datetime, **signals: float) -> Arrival:
    names = {
        "speed": "Vehicle.Speed",
        "lat": "Vehicle.CurrentLocation.Latitude",
        "lon": "Vehicle.CurrentLocation.Longitude",
        "odometer": "Vehicle.TraveledDistance",
    }
    body = {names[k]: v for k, v in signals.items()}
    return _arrival(vin, Channel.TELEMETRY, encode_telemetry(mid, at, body))


def ignition(vin: str, mid: str, at: datetime, on: bool) -> Arrival:
    kind = EventKind.IGNITION_ON if on else EventKind.IGNITION_OFF
    return _arrival(vin, Channel.EVENTS, encode_event(mid, at, kind))


def l_shaped_drive(vin: str, start: datetime = T0, lat0: float = LAT0) -> list[Arrival]:
    """Parked; ignition on; 5 km north and 5 km east at 60 km/h (once 80); ignition off.

    The odometer counts the 10 km; the trip lasts 11 minutes, from ignition on to off.
    """
    deg_per_500m = 500 / M_PER_DEGREE
    out = [telemetry(vin, "park", start, lat=lat0, lon=LON0, speed=0.0, odometer=1000.0)]
    out.append(ignition(vin, "on", start + timedelta(seconds=60), True))
    for k in range(1, 21):
        north, east = min(k, 10), max(k - 10, 0)
        lon_scale = math.cos(math.radians(lat0 + 10 * deg_per_500m))
        out.append(
            telemetry(
                vin,
                f"d{k}",
                start + timedelta(seconds=60 + 30 * k),
                lat=round(lat0 + north * deg_per_500m, 7),
                lon=round(LON0 + east * deg_per_500m / lon_scale, 7),
                speed=80.0 if k == 15 else 60.0,
                odometer=1000.0 + k * 0.5,
            )
        )
    out.append(telemetry(vin, "halt", start + timedelta(seconds=690), speed=0.0))
    out.append(ignition(vin, "off", start + timedelta(seconds=720), False))
    return out


async def stored_trips(container: Container, vehicle_id: int) -> list[Trip]:
    query = TripQuery(
        T0.date() - timedelta(days=1),
        T0.date() + timedelta(days=1),
        limit=MAX_TRIPS_PAGE,
        include_route=True,
    )
    async with container.store.reading() as uow:
        return list((await uow.trips.page(vehicle_id, query)).trips)


def assert_is_the_l_shaped_drive(trip: Trip, start: datetime = T0, lat0: float = LAT0) -> None:
    assert trip.start.at == start + timedelta(seconds=60)
    assert trip.end.at == start + timedelta(seconds=720)
    assert (trip.start.latitude, trip.start.longitude) == (lat0, LON0)
    assert trip.end.latitude == pytest.approx(lat0 + 5000 / M_PER_DEGREE, abs=1e-6)
    assert trip.distance_km == pytest.approx(10.0)
    assert trip.max_speed_kmh == 80.0
    assert len(trip.route) == 3, "start, the corner, the end"


async def test_a_trip_streamed_across_several_batches_is_detected_once(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    drive = l_shaped_drive(vehicle.vin)

    finished = []
    for batch in (drive[:3], drive[3:9], drive[9:20], drive[20:]):
        finished.append((await ingest(container.services, batch)).trips_finished)
        assert len(await stored_trips(container, vehicle.id)) == sum(finished)

    assert finished == [0, 0, 0, 1]
    (trip,) = await stored_trips(container, vehicle.id)
    assert_is_the_l_shaped_drive(trip)


async def test_a_redelivered_batch_does_not_create_a_second_trip(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    drive = l_shaped_drive(vehicle.vin)
    await ingest(container.services, drive[:12])
    await ingest(container.services, drive[12:])

    again = await ingest(container.services, drive[12:])
    all_again = await ingest(container.services, drive)

    assert (again.trips_finished, again.duplicates) == (0, len(drive) - 12)
    assert (all_again.trips_finished, all_again.duplicates) == (0, len(drive))
    (trip,) = await stored_trips(container, vehicle.id)
    assert_is_the_l_shaped_drive(trip)


async def test_out_of_order_and_late_samples_do_not_break_a_trip(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    drive = l_shaped_drive(vehicle.vin)
    late, later = drive[5], drive[12]  # mid-trip samples the unit buffered and sent late
    on_time = [a for a in drive if a not in (late, later)]
    shuffle = random.Random(3).sample
    first, second = on_time[:12], [*on_time[12:], late]

    await ingest(container.services, shuffle(first, len(first)))
    await ingest(container.services, shuffle(second, len(second)))
    after_the_trip = await ingest(container.services, [later])

    assert after_the_trip.applied == 1, "kept in the history all the same"
    (trip,) = await stored_trips(container, vehicle.id)
    assert_is_the_l_shaped_drive(trip)


async def test_vehicles_reporting_in_one_batch_each_get_their_own_trip(
    container: Container, make_owner: OwnerFactory
) -> None:
    one, two = (await make_owner(count=2)).vehicles
    later = T0 + timedelta(minutes=3)
    batch = [
        a
        for pair in zip(l_shaped_drive(one.vin), l_shaped_drive(two.vin, later, 36.0), strict=True)
        for a in pair
    ]

    result = await ingest(container.services, batch)

    assert result.trips_finished == 2
    (first,) = await stored_trips(container, one.id)
    (second,) = await stored_trips(container, two.id)
    assert_is_the_l_shaped_drive(first)
    assert_is_the_l_shaped_drive(second, later, 36.0)


async def test_a_trip_begun_on_one_server_is_finished_on_another(
    container: Container, make_owner: OwnerFactory, database_url: str
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    drive = l_shaped_drive(vehicle.vin)
    other = ServiceContext(store=Store(create_engine(database_url)))
    try:
        await ingest(container.services, drive[:10])
        await ingest(other, drive[10:])
    finally:
        await other.store.dispose()

    (trip,) = await stored_trips(container, vehicle.id)
    assert_is_the_l_shaped_drive(trip)


@contextmanager
def counted_statements(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    # Every engine of the store: on SQLite, ingestion writes through the inline one.
    engines = listened_engines(container.store)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


async def test_a_batch_costs_the_same_few_statements_however_many_reports_it_carries(
    container: Container, make_owner: OwnerFactory
) -> None:
    one, two = (await make_owner(count=2)).vehicles

    def driving(vin: str, start: int, count: int) -> list[Arrival]:
        return [
            telemetry(
                vin,
                f"{vin}-{k}",
                T0 + timedelta(seconds=k),
                lat=LAT0 + k * 1e-4,
                lon=LON0,
                speed=50.0,
            )
            for k in range(start, start + count)
        ]

    with counted_statements(container) as small:
        await ingest(container.services, driving(one.vin, 0, 2) + driving(two.vin, 0, 2))
    with counted_statements(container) as large:
        await ingest(container.services, driving(one.vin, 2, 100) + driving(two.vin, 2, 100))

    assert len(large) == len(small)
    assert sum("trip_progress" in s for s in large) == 2, "one read, one write"


async def test_a_finished_trip_shows_in_the_toyota_api_with_its_route_and_miles(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    await ingest(container.services, l_shaped_drive(vin))

    response = await client.get(
        f"/connected/v1/vehicles/{vin}/trips",
        headers=owner.headers,
        params={
            "fromDate": (T0.date() - timedelta(days=1)).isoformat(),
            "toDate": (T0.date() + timedelta(days=1)).isoformat(),
            "includeRoute": "true",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    (trip,) = body["data"]
    assert trip["distanceMiles"] == round(10.0 / KM_PER_MILE, 2) == 6.21
    assert trip["durationMinutes"] == 11
    assert trip["maxSpeedMph"] == round(80.0 / KM_PER_MILE, 1)
    assert trip["averageSpeedMph"] == round(10.0 / (11 / 60) / KM_PER_MILE, 1)
    assert trip["startCoordinates"]["latitude"] == LAT0
    assert [p["latitude"] for p in trip["route"]] == pytest.approx(
        [LAT0, LAT0 + 5000 / M_PER_DEGREE, LAT0 + 5000 / M_PER_DEGREE], abs=1e-5
    )
    for point, end in ((trip["route"][0], "start"), (trip["route"][-1], "end")):
        # Routes are stored to 1e-5 degree (about a metre); the ends of a trip exactly.
        assert point["timestamp"] == trip[f"{end}Time"] == trip[f"{end}Coordinates"]["timestamp"]
        assert point["latitude"] == pytest.approx(trip[f"{end}Coordinates"]["latitude"], abs=1e-5)
        assert point["longitude"] == pytest.approx(trip[f"{end}Coordinates"]["longitude"], abs=1e-5)
    assert trip["startAddress"].endswith("Japan"), "named offline by the geo extra"
