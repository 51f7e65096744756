"""Trip detection on known routes: a car driving north from 35° N 137° E, where a metre of
road is a known fraction of a degree, so every distance, time and speed has a known answer."""

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.geo import EARTH_RADIUS_M
from fleetlink.domain.reports import EventKind, EventReport, StateReport
from fleetlink.domain.tripdetect import Detection, TripRules, detect
from fleetlink.domain.tripprogress import TripProgress
from fleetlink.domain.trips import RoutePoint, Trip

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
LAT0, LON0 = 35.0, 137.0
VIN = "JTDKB20U993000001"
VEHICLE = 7
M_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_M
Report = StateReport | EventReport


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def north(metres: float) -> float:
    return LAT0 + metres / M_PER_DEGREE


def sample(seconds: float, metres: float | None = None, **fields: object) -> StateReport:
    where: dict[str, object] = {}
    if metres is not None:
        where = {"latitude": north(metres), "longitude": LON0}
    return StateReport(VIN, f"s{seconds}", at(seconds), **where, **fields)  # type: ignore[arg-type]


def event(seconds: float, kind: EventKind) -> EventReport:
    return EventReport(VIN, f"e{seconds}", at(seconds), kind)


def drive(
    start_s: float,
    steps: int,
    kmh: float,
    from_m: float = 0.0,
    *,
    every_s: float = 30.0,
    odometer_km: float | None = None,
    **fields: object,
) -> list[StateReport]:
    """Samples of a steady drive north, one every every_s seconds, the first one step in."""
    step_m = kmh / 3.6 * every_s
    out = []
    for k in range(1, steps + 1):
        extra = dict(fields)
        if odometer_km is not None:
            extra["odometer_km"] = odometer_km + k * step_m / 1000
        out.append(sample(start_s + k * every_s, from_m + k * step_m, **extra))
    return out


def run(reports: Sequence[Report], rules: TripRules | None = None) -> Detection:
    return detect(TripProgress(VEHICLE), reports, rules or TripRules())


def only_trip(d: Detection) -> Trip:
    assert len(d.trips) == 1, d
    return d.trips[0]


def test_an_ignition_trip_runs_from_ignition_on_to_ignition_off() -> None:
    # Parked with 1000 km on the clock; then 10 km north in 10 minutes, a burst to 72 km/h.
    reports: list[Report] = [
        sample(-60, 0, speed_kmh=0.0, odometer_km=1000.0, ignition_on=False),
        event(0, EventKind.IGNITION_ON),
        *drive(0, 19, 60.0, odometer_km=1000.0, speed_kmh=60.0),
        sample(300, 5000, speed_kmh=72.0),
        sample(600, 10_000, speed_kmh=0.0, odometer_km=1010.0),
        event(630, EventKind.IGNITION_OFF),
    ]

    trip = only_trip(run(reports))

    assert trip.vehicle_id == VEHICLE
    assert trip.start == RoutePoint(LAT0, LON0, at(0))
    assert (trip.end.at, trip.end.longitude) == (at(630), LON0)
    assert trip.end.latitude == pytest.approx(north(10_000))
    assert trip.distance_km == pytest.approx(10.0)
    assert trip.duration == timedelta(seconds=630)
    assert trip.max_speed_kmh == 72.0
    assert trip.average_speed_kmh == pytest.approx(10.0 / (630 / 3600))
    assert trip.route == (trip.start, trip.end), "a straight road simplifies to its two ends"
    assert (trip.start_address, trip.end_address) == (None, None)


def test_ignition_reported_in_telemetry_works_like_ignition_events() -> None:
    reports: list[Report] = [
        sample(0, 0, ignition_on=True, odometer_km=500.0),
        *drive(0, 20, 60.0, odometer_km=500.0),
        sample(630, 10_000, ignition_on=False),
    ]

    trip = only_trip(run(reports))

    assert (trip.start.at, trip.end.at) == (at(0), at(630))
    assert trip.distance_km == pytest.approx(10.0)


def test_a_stop_with_the_ignition_on_does_not_end_the_trip() -> None:
    reports: list[Report] = [
        sample(-60, 0, speed_kmh=0.0),
        event(0, EventKind.IGNITION_ON),
        *drive(0, 10, 60.0, speed_kmh=60.0),
        *[sample(300 + 60 * k, 5000, speed_kmh=0.0) for k in range(1, 20)],
        *drive(1500, 10, 60.0, from_m=5000, speed_kmh=60.0),
        event(1830, EventKind.IGNITION_OFF),
    ]

    trip = only_trip(run(reports))

    assert (trip.start.at, trip.end.at) == (at(0), at(1830))
    assert trip.distance_km == pytest.approx(10.0)


def test_without_ignition_a_trip_ends_where_the_vehicle_stood_parked() -> None:
    reports: list[Report] = [
        sample(0, 0, speed_kmh=0.0),
        *drive(0, 20, 50.0, speed_kmh=50.0),
        *[sample(600 + 30 * k, 8333.333, speed_kmh=0.0) for k in range(1, 12)],
    ]

    d = run(reports)

    trip = only_trip(d)
    assert trip.start == RoutePoint(LAT0, LON0, at(30)), "from where it stood, when it moved"
    assert trip.end.at == at(630), "when it stopped, not when that was sure"
    assert trip.end.latitude == pytest.approx(north(8333.333))
    assert trip.distance_km == pytest.approx(8.333, abs=0.001)
    assert d.progress.trip is None


def test_a_stop_shorter_than_the_parked_interval_does_not_split_a_trip() -> None:
    reports: list[Report] = [
        sample(0, 0, speed_kmh=0.0),
        *drive(0, 10, 60.0, speed_kmh=60.0),
        *[sample(300 + 30 * k, 5000, speed_kmh=0.0) for k in range(1, 9)],  # 4 minutes
        *drive(540, 10, 60.0, from_m=5000, speed_kmh=60.0),
        *[sample(840 + 30 * k, 10_000, speed_kmh=0.0) for k in range(1, 12)],
    ]

    trip = only_trip(run(reports))

    assert (trip.start.at, trip.end.at) == (at(30), at(870))
    assert trip.distance_km == pytest.approx(10.0)


def test_a_unit_reporting_only_positions_moves_when_it_leaves_where_it_settled() -> None:
    jitter = [0.0, 12.0, -8.0, 20.0, -15.0, 5.0]
    parked = [sample(30 * k, jitter[k % 6]) for k in range(20)]
    driving = drive(570, 20, 36.0)  # 300 m per sample
    arrived = [sample(1170 + 30 * k, 6000 + jitter[k % 6]) for k in range(1, 13)]

    before = run(parked)
    d = run(parked + driving + arrived)

    assert (before.trips, before.discarded, before.progress.trip) == ((), 0, None)
    trip = only_trip(d)
    assert trip.start.at == at(600)
    assert trip.start.latitude == pytest.approx(north(jitter[19 % 6]))
    assert trip.end.at == at(1200)
    assert trip.distance_km == pytest.approx(6.0, abs=0.05)
    assert trip.max_speed_kmh == pytest.approx(36.0, abs=1.0), "derived from the route"


def test_a_gap_without_data_ends_the_trip_at_the_last_sample_before_it() -> None:
    reports: list[Report] = [
        sample(0, 0, speed_kmh=0.0),
        *drive(0, 20, 60.0, speed_kmh=60.0),
        sample(600 + 2 * 3600, 30_000, speed_kmh=40.0),
    ]

    d = run(reports)

    trip = only_trip(d)
    assert (trip.end.at, trip.end.longitude) == (at(600), LON0)
    assert trip.end.latitude == pytest.approx(north(10_000))
    assert d.progress.trip is not None
    assert d.progress.trip.started_at == at(600 + 2 * 3600), "what follows is a new trip"


def test_a_gap_also_ends_a_trip_whose_ignition_off_never_came() -> None:
    reports: list[Report] = [
        sample(-60, 0, odometer_km=100.0),
        event(0, EventKind.IGNITION_ON),
        *drive(0, 20, 60.0, odometer_km=100.0),
        sample(600 + 3 * 3600, 10_000, is_moving=False),
    ]

    trip = only_trip(run(reports))

    assert (trip.start.at, trip.end.at) == (at(0), at(600))
    assert trip.distance_km == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("minutes", "speed_kmh", "kept"),
    [
        (2, 60.0, True),  # 2 km: far enough
        (8, 3.6, True),  # 480 m, but for 8 minutes: long enough
        (2, 9.0, False),  # 300 m in 2 minutes: neither
    ],
)
def test_a_trip_short_in_both_distance_and_duration_is_discarded(
    minutes: int, speed_kmh: float, kept: bool
) -> None:
    steps = minutes * 2
    step_m = speed_kmh / 3.6 * 30
    reports: list[Report] = [
        sample(0, 0, is_moving=False),
        *drive(0, steps, speed_kmh, is_moving=True),
        *[sample(30 * steps + 30 * k, steps * step_m, is_moving=False) for k in range(1, 12)],
    ]

    d = run(reports)

    assert (len(d.trips), d.discarded) == ((1, 0) if kept else (0, 1))
    assert d.progress.trip is None


def test_idling_with_the_ignition_on_goes_nowhere_and_is_no_trip() -> None:
    reports: list[Report] = [
        sample(0, 0, ignition_on=True, speed_kmh=0.0, odometer_km=42.0),
        *[sample(60 * k, (-1) ** k * 15.0, speed_kmh=0.0) for k in range(1, 15)],
        sample(900, 0, ignition_on=False, odometer_km=42.0),
    ]

    d = run(reports)

    assert (d.trips, d.discarded) == ((), 1)


def test_distance_comes_from_the_odometer_when_the_vehicle_has_one() -> None:
    # The road winds: the car counts 10.4 km where a straight line north is 10.
    route = drive(0, 20, 60.0)
    with_odometer = [sample(0, 0, odometer_km=200.0, speed_kmh=0.0), *route]
    with_odometer[-1] = sample(600, 10_000, odometer_km=210.4)
    stop = [sample(600 + 30 * k, 10_000, speed_kmh=0.0) for k in range(1, 12)]

    by_odometer = only_trip(run([*with_odometer, *stop]))
    by_gps = only_trip(run([sample(0, 0, speed_kmh=0.0), *route, *stop]))

    assert by_odometer.distance_km == pytest.approx(10.4)
    assert by_gps.distance_km == pytest.approx(10.0)


def test_an_odometer_that_runs_backwards_is_not_believed() -> None:
    reports: list[Report] = [
        sample(0, 0, odometer_km=900.0, speed_kmh=0.0),
        *drive(0, 20, 60.0, speed_kmh=60.0),
        sample(630, 10_000, odometer_km=0.0, speed_kmh=0.0),
        *[sample(630 + 30 * k, 10_000, speed_kmh=0.0) for k in range(1, 12)],
    ]

    assert only_trip(run(reports)).distance_km == pytest.approx(10.0)


def test_the_top_speed_is_the_fastest_reported_and_the_average_is_distance_over_time() -> None:
    speeds = [30.0, 55.0, 80.0, 65.0, 40.0]
    reports: list[Report] = [
        sample(0, 0, speed_kmh=0.0, odometer_km=10.0),
        *[sample(60 * (k + 1), 1000 * (k + 1), speed_kmh=v) for k, v in enumerate(speeds)],
        sample(360, 5000, speed_kmh=0.0, odometer_km=15.0),
        *[sample(360 + 60 * k, 5000, speed_kmh=0.0) for k in range(1, 7)],
    ]

    trip = only_trip(run(reports))

    assert trip.max_speed_kmh == 80.0
    assert trip.duration == timedelta(minutes=5)
    assert trip.average_speed_kmh == pytest.approx(5.0 / (5 / 60))


def test_without_reported_speeds_the_top_speed_comes_from_the_route() -> None:
    legs_m = [250, 250, 500, 250]  # 30, 30, 60 and 30 km/h over 30 s each
    reports: list[Report] = [sample(0, 0, is_moving=False)]
    travelled = 0.0
    for k, leg in enumerate(legs_m, start=1):
        travelled += leg
        reports.append(sample(30 * k, travelled, is_moving=True))
    reports += [sample(150 + 60 * k, travelled, is_moving=False) for k in range(1, 7)]

    trip = only_trip(run(reports))

    assert trip.max_speed_kmh == pytest.approx(60.0, rel=1e-6)
    assert trip.distance_km == pytest.approx(1.25, rel=1e-6)


def test_a_long_winding_route_is_bounded_and_keeps_its_ends() -> None:
    # Three hours at one sample a second, zig-zagging: far more points than a route keeps.
    reports: list[Report] = [sample(0, 0, speed_kmh=0.0)]
    for k in range(1, 10_800):
        lon = LON0 + 0.002 * math.sin(k / 60)
        reports.append(
            StateReport(VIN, f"z{k}", at(k), speed_kmh=50.0, latitude=north(14 * k), longitude=lon)
        )
    reports += [sample(10_800 + 60 * k, 14 * 10_799, speed_kmh=0.0) for k in range(1, 7)]

    trip = only_trip(run(reports))

    assert 100 < len(trip.route) <= 500
    assert trip.route[0] == trip.start
    assert trip.route[-1] == trip.end
    assert [p.at for p in trip.route] == sorted(p.at for p in trip.route)
    # Every bend of the road is still there: the route swings from side to side.
    assert max(p.longitude for p in trip.route) == pytest.approx(LON0 + 0.002, abs=1e-4)
    assert min(p.longitude for p in trip.route) == pytest.approx(LON0 - 0.002, abs=1e-4)


def test_a_route_thinned_while_under_way_still_measures_the_whole_way() -> None:
    rules = TripRules(open_route_limit=40)
    reports: list[Report] = [sample(0, 0, speed_kmh=0.0)]
    for k in range(1, 600):
        lon = LON0 + 0.002 * math.sin(k / 20)
        reports.append(
            StateReport(VIN, f"z{k}", at(k), speed_kmh=50.0, latitude=north(14 * k), longitude=lon)
        )
    reports += [sample(600 + 60 * k, 14 * 599, speed_kmh=0.0) for k in range(1, 7)]
    whole = only_trip(run(reports))

    progress = TripProgress(VEHICLE)
    trips: list[Trip] = []
    for i in range(0, len(reports), 7):
        d = detect(progress, reports[i : i + 7], rules)
        assert d.progress.trip is None or d.progress.trip.route_points <= 40
        progress, trips = d.progress, [*trips, *d.trips]

    (thinned,) = trips
    assert thinned.distance_km == pytest.approx(whole.distance_km, rel=1e-3)
    assert (thinned.start, thinned.end) == (whole.start, whole.end)
    assert (thinned.route[0], thinned.route[-1]) == (thinned.start, thinned.end)
    assert len(thinned.route) <= 41, "the route under way, and where it ended"


def test_detection_carries_on_across_batches_through_its_progress() -> None:
    reports: list[Report] = [
        sample(-60, 0, speed_kmh=0.0, odometer_km=1000.0),
        event(0, EventKind.IGNITION_ON),
        *drive(0, 20, 60.0, odometer_km=1000.0, speed_kmh=60.0),
        event(630, EventKind.IGNITION_OFF),
    ]
    whole = only_trip(run(reports))

    progress = TripProgress(VEHICLE)
    trips: list[Trip] = []
    for chunk in (reports[:5], reports[5:15], reports[15:]):
        d = detect(progress, chunk)
        progress = d.progress
        trips += d.trips

    assert len(trips) == 1
    assert (trips[0].start, trips[0].end) == (whole.start, whole.end)
    assert trips[0].distance_km == pytest.approx(whole.distance_km)
    assert trips[0].max_speed_kmh == whole.max_speed_kmh


def test_reports_older_than_the_progress_are_ignored() -> None:
    reports: list[Report] = [
        event(0, EventKind.IGNITION_ON),
        *drive(0, 20, 60.0, speed_kmh=60.0),
        event(630, EventKind.IGNITION_OFF),
    ]
    done = run(reports)

    late = detect(done.progress, [event(10, EventKind.IGNITION_ON), *drive(10, 5, 90.0)])

    assert late == Detection(done.progress)


def test_reports_in_any_order_are_taken_in_the_vehicles_time_order() -> None:
    reports: list[Report] = [
        sample(-60, 0, speed_kmh=0.0),
        event(0, EventKind.IGNITION_ON),
        *drive(0, 20, 60.0, speed_kmh=60.0),
        event(630, EventKind.IGNITION_OFF),
    ]

    shuffled = reports[10:] + reports[:10][::-1]

    assert only_trip(run(shuffled)).end.at == at(630)
    assert only_trip(run(shuffled)).distance_km == pytest.approx(10.0)


def test_rules_that_leave_a_route_no_ends_are_refused() -> None:
    with pytest.raises(InvalidInput):
        TripRules(max_route_points=1)
    with pytest.raises(InvalidInput):
        TripRules(open_route_limit=3)


def test_a_sample_stamped_with_the_ignition_off_still_counts_in_the_trip() -> None:
    reports: list[Report] = [
        sample(-60, 0, odometer_km=100.0, speed_kmh=0.0),
        event(0, EventKind.IGNITION_ON),
        *drive(0, 19, 60.0, odometer_km=100.0, speed_kmh=60.0),
        event(600, EventKind.IGNITION_OFF),  # sent first, stamped the same as the last sample
        sample(600, 10_000, odometer_km=110.0, speed_kmh=0.0),
    ]

    trip = only_trip(run(reports))

    assert trip.distance_km == pytest.approx(10.0)
    assert trip.end.latitude == pytest.approx(north(10_000))


def test_a_trip_keeps_the_battery_charge_and_fuel_level_at_either_end() -> None:
    reports: list[Report] = [
        sample(0, 0.0, battery_soc_pct=80.0, fuel_level_pct=50.0),
        event(60, EventKind.IGNITION_ON),
        *drive(60, 20, 60.0, battery_soc_pct=79.0),
        sample(60 + 20 * 30, 10_000.0, battery_soc_pct=74.5, fuel_level_pct=48.0),
        event(60 + 21 * 30, EventKind.IGNITION_OFF),
    ]

    (trip,) = run(reports).trips

    assert (trip.soc_from_pct, trip.soc_to_pct) == (80.0, 74.5)
    assert (trip.fuel_from_pct, trip.fuel_to_pct) == (50.0, 48.0)
