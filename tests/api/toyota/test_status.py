"""The state reads answer from what the vehicle last reported, in the contract's units."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.state import (
    ChargingStatus,
    Doors,
    OilLevel,
    Position,
    Severity,
    VehicleState,
    WarningLight,
    WindowPosition,
    Windows,
)
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.vehicles import NewVehicle, register_vehicles
from fleetlink.simulator.fleetgen import generate_fleet
from tests.conftest import OwnerFactory, put_state

REPORTED = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


def _url(vin: str, what: str) -> str:
    return f"/connected/v1/vehicles/{vin}/{what}"


async def test_status_reports_doors_windows_locks_and_the_vehicles_own_time(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    await put_state(
        container,
        vehicle,
        VehicleState(
            reported_at=REPORTED,
            ignition_on=True,
            doors_locked=False,
            doors=Doors(front_left_open=True, trunk_open=True),
            windows=Windows(front_right=WindowPosition.VENTING),
        ),
    )

    body = (await client.get(_url(vehicle.vin, "status"), headers=owner.headers)).json()

    assert body == {
        "vin": vehicle.vin,
        "ignition": "on",
        "doorsLocked": False,
        "doorStatus": {
            "frontLeft": "open",
            "frontRight": "closed",
            "rearLeft": "closed",
            "rearRight": "closed",
            "trunk": "open",
        },
        "windowStatus": {"frontLeft": "closed", "frontRight": "venting"},
        "lastUpdatedAt": "2026-03-14T09:26:53Z",
    }


async def test_a_vehicle_that_never_reported_shows_only_its_vin(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    generated = generate_fleet(3, 1, REPORTED, first_serial=50_000)[0]
    (silent,) = await register_vehicles(
        container.services, owner.account, [NewVehicle(as_new_vehicle(generated).vehicle)]
    )

    for what in ("status", "health", "location", "electric"):
        body = (await client.get(_url(silent.vin, what), headers=owner.headers)).json()
        assert body == {"vin": silent.vin}, what


async def test_health_grades_warning_lights_oil_and_maintenance(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=4)
    vehicle = owner.vehicle("ice")
    light = WarningLight("check_engine", Severity.CRITICAL, "Engine malfunction: service now")
    cases = [
        (VehicleState(REPORTED, oil_level=OilLevel.OK), "good"),
        (VehicleState(REPORTED, oil_level=OilLevel.LOW), "warning"),
        (VehicleState(REPORTED, oil_level=OilLevel.OK, maintenance_due=True), "warning"),
        (VehicleState(REPORTED, oil_level=OilLevel.OK, warning_lights=(light,)), "critical"),
    ]
    for state, grade in cases:
        await put_state(container, vehicle, state)
        body = (await client.get(_url(vehicle.vin, "health"), headers=owner.headers)).json()
        assert body["overallStatus"] == grade
        assert body["oilQuantity"] == state.oil_level
        assert body["maintenanceRequired"] is state.maintenance_due
        assert body["lastReportedAt"] == "2026-03-14T09:26:53Z"
    assert body["warningLights"] == [
        {
            "name": "check_engine",
            "severity": "critical",
            "description": "Engine malfunction: service now",
        }
    ]


async def test_an_electric_car_reports_no_engine_oil(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=4)
    bev = owner.vehicle("bev")
    await put_state(container, bev, VehicleState(REPORTED, oil_level=OilLevel.LOW))

    body = (await client.get(_url(bev.vin, "health"), headers=owner.headers)).json()

    assert "oilQuantity" not in body


async def test_location_is_where_and_when_the_vehicle_said(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    fix = REPORTED - timedelta(minutes=3)
    await put_state(
        container,
        vehicle,
        VehicleState(REPORTED, position=Position(48.858370, 2.294481, fix), is_parked=False),
    )

    body = (await client.get(_url(vehicle.vin, "location"), headers=owner.headers)).json()

    assert body == {
        "vin": vehicle.vin,
        "latitude": 48.85837,
        "longitude": 2.294481,
        "isParked": False,
        "timestamp": "2026-03-14T09:23:53Z",
    }


def _energy_state() -> VehicleState:
    return VehicleState(
        REPORTED,
        battery_soc_pct=80.4,
        battery_range_km=100.0,
        fuel_level_pct=49.6,
        fuel_range_km=500.0,
        charging_status=ChargingStatus.CHARGING,
        plugged_in=True,
        charge_complete_at=REPORTED + timedelta(hours=2),
    )


@pytest.mark.parametrize(
    ("powertrain", "expected"),
    [
        (
            "bev",
            {
                "batteryLevel": 80,
                "batteryRange": 62.1,
                "chargingStatus": "charging",
                "pluggedIn": True,
                "estimatedChargeCompleteTime": "2026-03-14T11:26:53Z",
            },
        ),
        (
            "phev",
            {
                "batteryLevel": 80,
                "batteryRange": 62.1,
                "fuelLevel": 50,
                "fuelRange": 310.7,
                "totalRange": 372.8,
                "chargingStatus": "charging",
                "pluggedIn": True,
                "estimatedChargeCompleteTime": "2026-03-14T11:26:53Z",
            },
        ),
        ("hybrid", {"batteryLevel": 80, "fuelLevel": 50, "fuelRange": 310.7}),
        ("ice", {"fuelLevel": 50, "fuelRange": 310.7}),
    ],
)
async def test_electric_status_shows_only_what_the_powertrain_has_in_miles(
    client: httpx.AsyncClient,
    container: Container,
    make_owner: OwnerFactory,
    powertrain: str,
    expected: dict[str, object],
) -> None:
    owner = await make_owner(count=4)
    vehicle = owner.vehicle(powertrain)
    await put_state(container, vehicle, _energy_state())

    body = (await client.get(_url(vehicle.vin, "electric"), headers=owner.headers)).json()

    assert body == {"vin": vehicle.vin, "lastUpdatedAt": "2026-03-14T09:26:53Z", **expected}


async def test_climate_status_shows_the_preset_in_fahrenheit_and_whether_it_runs(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    await put_state(container, vehicle, VehicleState(REPORTED, climate_running=False))
    idle = (await client.get(_url(vehicle.vin, "climate"), headers=owner.headers)).json()
    await put_state(container, vehicle, VehicleState(REPORTED, climate_running=True))
    running = (await client.get(_url(vehicle.vin, "climate"), headers=owner.headers)).json()

    assert idle == {
        "vin": vehicle.vin,
        "isRunning": False,
        "temperature": 71.6,
        "fanSpeed": 3,
        "mode": "off",
        "lastUpdatedAt": "2026-03-14T09:26:53Z",
    }
    assert running["isRunning"] is True
    assert running["mode"] == "auto"
