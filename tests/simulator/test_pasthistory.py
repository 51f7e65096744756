"""The demo cars' past at the dealer: as many visits as their age and mileage call for, each
at the mileage the car had then, repeatable, and reported as a unit reports a visit."""

import itertools
from datetime import UTC, datetime, timedelta

from fleetlink.domain.reports import EventReport
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.simulator.health import SERVICE_INTERVAL_KM
from fleetlink.simulator.pasthistory import EVERY, JITTER_DAYS, SETTLED, past_visits
from fleetlink.telematics.codec import decode_object
from fleetlink.telematics.topics import Channel, topic

UNTIL = datetime(2026, 11, 6, 12, tzinfo=UTC)
FLEET = generate_fleet(42, 30, UNTIL)


def test_visits_follow_the_car_through_its_years_and_kilometres() -> None:
    for car in FLEET:
        visits = past_visits(car, 42, UNTIL)
        odometer = car.state.odometer_km or 0.0
        assert visits, f"a {car.year} {car.spec.model} with {odometer} km has been serviced"
        times = [v.at for v in visits]
        kms = [v.odometer_km for v in visits]
        assert times == sorted(times) and kms == sorted(kms)
        assert times[-1] <= UNTIL - SETTLED and kms[-1] <= odometer
        assert times[0].year >= car.year - 1
        for a, b in itertools.pairwise(visits):
            slack = timedelta(days=2 * JITTER_DAYS)
            # Whichever comes first: a year, or an interval's kilometres (driven evenly).
            assert b.at - a.at <= EVERY + slack
            assert b.odometer_km - a.odometer_km <= SERVICE_INTERVAL_KM * 1.2


def test_older_and_busier_cars_have_more_visits() -> None:
    counts = {car.vin: len(past_visits(car, 42, UNTIL)) for car in FLEET}
    oldest = max(FLEET, key=lambda c: c.state.odometer_km or 0)
    newest = min(FLEET, key=lambda c: c.state.odometer_km or 0)

    assert counts[oldest.vin] > counts[newest.vin]


def test_the_same_seed_gives_the_same_visits_and_message_ids() -> None:
    car = FLEET[0]

    assert past_visits(car, 42, UNTIL) == past_visits(car, 42, UNTIL)
    assert past_visits(car, 42, UNTIL) != past_visits(car, 43, UNTIL)


def test_each_visit_is_a_valid_service_performed_event_at_its_time_and_mileage() -> None:
    car = FLEET[0]
    for visit in past_visits(car, 42, UNTIL):
        name = topic(car.vin, Channel(visit.message.channel))
        report = decode_object(name, visit.message.body, visit.at)

        assert isinstance(report, EventReport) and report.service is not None
        assert report.at == visit.at
        assert report.service.odometer_km == visit.odometer_km
        assert report.service.dealer_name
