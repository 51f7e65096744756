"""How the web app reads domain values: a vehicle's activity, a route's speeds."""

from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.state import ChargingStatus, SignalTimes, VehicleState
from fleetlink.domain.trips import RoutePoint
from fleetlink.domain.vehicle import ConnectionState, Powertrain, Vehicle
from fleetlink.web.views import activity, route_speeds, vehicle_detail

NOW = datetime(2026, 5, 4, 12, tzinfo=UTC)


def _vehicle(connection: ConnectionState = ConnectionState.ONLINE) -> Vehicle:
    return Vehicle(
        id=1,
        vin="JTMAAAAA0RA900001",
        owner_id=1,
        owner_guid="g",
        make="Toyota",
        model="bZ4X",
        year=2024,
        powertrain=Powertrain.BEV,
        connection=connection,
    )


@pytest.mark.parametrize(
    ("connection", "state", "expected"),
    [
        (ConnectionState.OFFLINE, VehicleState(NOW, is_parked=False), "offline"),
        (ConnectionState.ASLEEP, VehicleState(NOW), "asleep"),
        (
            ConnectionState.ONLINE,
            VehicleState(NOW, charging_status=ChargingStatus.CHARGING),
            "charging",
        ),
        (ConnectionState.ONLINE, VehicleState(NOW, is_parked=False, speed_kmh=50), "driving"),
        (ConnectionState.ONLINE, VehicleState(NOW), "parked"),
        (ConnectionState.ONLINE, None, "parked"),
    ],
)
def test_a_vehicle_is_coloured_by_what_it_does(
    connection: ConnectionState, state: VehicleState | None, expected: str
) -> None:
    assert activity(_vehicle(connection), state) == expected


def test_a_routes_speeds_come_from_distance_and_time_capped_by_the_trips_top_speed() -> None:
    # 0.01° of latitude is 1.112 km: in 60 s that is 66.7 km/h; the jump after is capped.
    route = (
        RoutePoint(35.0, 137.0, NOW),
        RoutePoint(35.01, 137.0, NOW + timedelta(seconds=60)),
        RoutePoint(35.01, 137.0, NOW + timedelta(seconds=120)),
        RoutePoint(36.0, 137.0, NOW + timedelta(seconds=180)),
    )

    speeds = route_speeds(route, cap_kmh=120.0)

    assert speeds[0] == 0.0
    assert speeds[1] == pytest.approx(66.7, abs=0.1)
    assert speeds[2] == 0.0
    assert speeds[3] == 120.0


def test_each_part_of_the_vehicle_page_carries_the_time_of_its_own_newest_value() -> None:
    battery_at, doors_at = NOW - timedelta(hours=3), NOW - timedelta(minutes=1)
    state = VehicleState(
        NOW,
        battery_soc_pct=80.0,
        times=SignalTimes(doors=doors_at, locks=doors_at - timedelta(hours=1), battery=battery_at),
    )

    shown = vehicle_detail(_vehicle(), state)["state"]

    assert shown["status"]["at"] == doors_at.isoformat()
    assert shown["energy"]["at"] == battery_at.isoformat()
    # A part the vehicle never reported on its own has only the report's time to show.
    assert shown["climate"]["at"] == NOW.isoformat()
