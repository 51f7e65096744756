from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.driving import driving_totals
from fleetlink.domain.trips import RoutePoint, Trip

START = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _trip(minutes: int, km: float, top: float, at: datetime = START) -> Trip:
    end = at + timedelta(minutes=minutes)
    return Trip(
        id=f"t{minutes}{km}",
        vehicle_id=1,
        start=RoutePoint(35.0, 137.0, at),
        end=RoutePoint(35.1, 137.1, end),
        distance_km=km,
        max_speed_kmh=top,
    )


def test_trips_sum_into_distance_time_and_speeds() -> None:
    totals = driving_totals([_trip(30, 20.0, 80.0), _trip(90, 100.0, 120.0)])

    assert totals.trips == 2
    assert totals.distance_km == 120.0
    assert totals.driving_time == timedelta(hours=2)
    assert totals.average_speed_kmh == pytest.approx(60.0)
    assert totals.longest_km == 100.0 and totals.max_speed_kmh == 120.0


def test_no_trips_is_no_driving_and_no_average_speed() -> None:
    totals = driving_totals([])

    assert (totals.trips, totals.distance_km, totals.average_speed_kmh) == (0, 0.0, 0.0)
