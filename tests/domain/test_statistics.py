"""A month in figures: distance, time, energy and fuel used, efficiency, and what a parked
battery lost, from trips and charging sessions with known answers."""

from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.catalog import Stores
from fleetlink.domain.charging import ChargingSession, Current
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.statistics import Month, month_statistics
from fleetlink.domain.trips import RoutePoint, Trip

MAY = Month(2026, 5)
BATTERY = Stores(battery_kwh=50.0)


def trip(
    day: int,
    hour: int,
    km: float,
    soc: tuple[float, float] | None = None,
    fuel: tuple[float, float] | None = None,
    minutes: int = 30,
) -> Trip:
    start = (
        datetime(2026, 5, day, hour, tzinfo=UTC)
        if day > 0
        else datetime(2026, 4, 30, hour, tzinfo=UTC)
    )
    return Trip(
        id=f"t{day}-{hour}",
        vehicle_id=1,
        start=RoutePoint(35.0, 137.0, start),
        end=RoutePoint(35.1, 137.0, start + timedelta(minutes=minutes)),
        distance_km=km,
        max_speed_kmh=80.0,
        soc_from_pct=soc[0] if soc else None,
        soc_to_pct=soc[1] if soc else None,
        fuel_from_pct=fuel[0] if fuel else None,
        fuel_to_pct=fuel[1] if fuel else None,
    )


def charge(day: int, hour: int, soc: tuple[float, float], kwh: float) -> ChargingSession:
    start = datetime(2026, 5, day, hour, tzinfo=UTC)
    return ChargingSession(
        id=f"c{day}",
        vehicle_id=1,
        started_at=start,
        ended_at=start + timedelta(hours=2),
        latitude=None,
        longitude=None,
        soc_from_pct=soc[0],
        soc_to_pct=soc[1],
        energy_added_kwh=kwh,
        peak_power_kw=7.2,
        mean_power_kw=kwh / 2,
        current=Current.AC,
    )


def test_distance_time_and_energy_add_up_over_the_trips_of_the_month() -> None:
    trips = [trip(1, 8, 20.0, (80, 72)), trip(1, 17, 30.0, (71, 60), minutes=45)]

    m = month_statistics(MAY, BATTERY, trips, [])

    assert (m.distance_km, m.trips) == (50.0, 2)
    assert m.driving_time == timedelta(minutes=75)
    assert m.energy_used_kwh == pytest.approx((8 + 11) / 100 * 50)
    assert m.kwh_per_100km == pytest.approx(9.5 / 50 * 100)
    assert m.fuel_used_l is None and m.l_per_100km is None


def test_a_parked_battery_loses_what_is_missing_between_trips_net_of_charging() -> None:
    before = trip(0, 20, 10.0, (90, 85))  # the last trip of April
    trips = [trip(2, 8, 20.0, (83, 75)), trip(3, 8, 20.0, (90, 82))]
    sessions = [charge(2, 20, (74, 92), 9.0)]  # plugged in after the 2nd's trip

    m = month_statistics(MAY, BATTERY, trips, sessions, before)

    # 85 → 83 over the month's turn; 75 (+18 charged = 93) → 90 overnight: 2 + 3 points.
    assert m.energy_lost_parked_kwh == pytest.approx(5 / 100 * 50)
    assert (m.charging_sessions, m.energy_charged_kwh) == (1, 9.0)


def test_fuel_is_counted_with_the_tank_and_charging_never_counts_as_use() -> None:
    trips = [trip(1, 8, 100.0, fuel=(80, 70)), trip(2, 8, 50.0, fuel=(95, 90), soc=(60, 65))]

    m = month_statistics(MAY, Stores(tank_l=40.0), trips, [])

    assert m.fuel_used_l == pytest.approx(15 / 100 * 40)
    assert m.l_per_100km == pytest.approx(6.0 / 150 * 100)
    assert m.energy_used_kwh is None and m.energy_lost_parked_kwh is None


def test_a_month_without_trips_has_no_efficiency() -> None:
    m = month_statistics(MAY, BATTERY, [], [])

    assert (m.distance_km, m.trips, m.kwh_per_100km, m.energy_used_kwh) == (0, 0, None, None)


@pytest.mark.parametrize("text", ["2026-5", "2026-13", "2026-00", "May", "", "1969-12"])
def test_a_month_is_yyyy_mm(text: str) -> None:
    with pytest.raises(InvalidInput):
        Month.parse(text)


def test_a_month_runs_from_its_first_instant_to_the_next_months() -> None:
    december = Month.parse("2026-12")

    assert (december.start, december.end) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert str(december) == "2026-12"
