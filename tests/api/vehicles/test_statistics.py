"""A vehicle's month through fleetlink's own API: the figures of its trips and charges, for
its owner only, and 400 for a month that is not YYYY-MM."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.catalog import stores_of
from fleetlink.domain.charging import ChargingSession, Current, session_id
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.domain.vehicle import Vehicle
from fleetlink.services.history import record_history
from tests.conftest import OwnerFactory


def url(vin: str) -> str:
    return f"/fleetlink/v1/vehicles/{vin}/statistics"


def trip(vehicle: Vehicle, start: datetime, km: float, soc: tuple[float, float]) -> Trip:
    return Trip(
        id=f"{vehicle.id}-{start.isoformat()}",
        vehicle_id=vehicle.id,
        start=RoutePoint(35.0, 137.0, start),
        end=RoutePoint(35.1, 137.0, start + timedelta(minutes=40)),
        distance_km=km,
        max_speed_kmh=90.0,
        soc_from_pct=soc[0],
        soc_to_pct=soc[1],
        fuel_from_pct=soc[0],
        fuel_to_pct=soc[1],
    )


def charge(vehicle: Vehicle, start: datetime, soc: tuple[float, float]) -> ChargingSession:
    return ChargingSession(
        id=session_id(vehicle.id, start),
        vehicle_id=vehicle.id,
        started_at=start,
        ended_at=start + timedelta(hours=3),
        latitude=35.0,
        longitude=137.0,
        soc_from_pct=soc[0],
        soc_to_pct=soc[1],
        energy_added_kwh=20.0,
        peak_power_kw=7.2,
        mean_power_kw=6.7,
        current=Current.AC,
    )


async def test_a_battery_cars_month_adds_up_its_trips_and_charges(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=4)
    car = owner.vehicle("bev")
    kwh = stores_of(car.make, car.model).battery_kwh
    assert kwh is not None
    day = datetime(2026, 3, 10, 8, tzinfo=UTC)
    trips = [
        trip(car, day - timedelta(days=12), 10.0, (90.0, 88.0)),  # February's last
        trip(car, day, 40.0, (85.0, 75.0)),
        trip(car, day + timedelta(hours=9), 40.0, (74.0, 64.0)),
        trip(car, day + timedelta(days=30), 5.0, (60.0, 59.0)),  # April's
    ]
    await record_history(container.services, trips=trips)
    async with container.store.writing() as uow:
        await uow.charging_sessions.add_many([charge(car, day + timedelta(hours=11), (64, 94))])
        await uow.commit()

    found = await client.get(url(car.vin), params={"month": "2026-03"}, headers=owner.headers)

    assert found.status_code == 200, found.text
    body = found.json()
    used = round(20 / 100 * kwh, 2)
    # Parked from February's last trip (88 → 85) and between the two (75 → 74); what is
    # lost after the month's last trip counts in April's.
    lost = round((3 + 1) / 100 * kwh, 2)
    assert body == {
        "month": "2026-03",
        "distance_km": 80.0,
        "driving_time_s": 4800,
        "trips": 2,
        "charging_sessions": 1,
        "energy_charged_kwh": 20.0,
        "energy_used_kwh": used,
        "efficiency_kwh_per_100km": round(20 / 100 * kwh / 80 * 100, 1),
        "energy_lost_parked_kwh": lost,
        "fuel_used_l": None,
        "efficiency_l_per_100km": None,
    }


async def test_a_fuel_cars_month_counts_litres_and_no_battery(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=4)
    car = owner.vehicle("ice")
    tank = stores_of(car.make, car.model).tank_l
    assert tank is not None
    await record_history(
        container.services, trips=[trip(car, datetime(2026, 3, 2, tzinfo=UTC), 50.0, (60, 55))]
    )

    body = (
        await client.get(url(car.vin), params={"month": "2026-03"}, headers=owner.headers)
    ).json()

    assert body["fuel_used_l"] == round(5 / 100 * tank, 2)
    assert body["efficiency_l_per_100km"] == round(5 / 100 * tank / 50 * 100, 1)
    assert body["energy_used_kwh"] is None and body["energy_lost_parked_kwh"] is None


@pytest.mark.parametrize("month", ["2026-13", "March", "2026-3", "x" * 21, "9999-12", "0000-01"])
async def test_a_month_that_is_not_yyyy_mm_is_400(
    client: httpx.AsyncClient, make_owner: OwnerFactory, month: str
) -> None:
    owner = await make_owner(count=1)

    found = await client.get(
        url(owner.vehicles[0].vin), params={"month": month}, headers=owner.headers
    )

    assert found.status_code == 400, found.text
    assert "month" in found.json()["errors"][0]["detail"]


async def test_without_a_month_it_is_400(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    found = await client.get(url(owner.vehicles[0].vin), headers=owner.headers)

    assert found.status_code == 400


async def test_another_owners_vehicle_answers_like_an_unknown_one(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner, other = await make_owner(count=1), await make_owner(count=1)
    theirs, unknown = other.vehicles[0].vin, "JTDKB20U993999999"

    answers = set()
    for vin in (theirs, unknown):
        found = await client.get(url(vin), params={"month": "2026-03"}, headers=owner.headers)
        answers.add((found.status_code, found.json()["errors"][0]["detail"].replace(vin, "V")))

    assert answers == {(404, "Vehicle 'V' not found")}
