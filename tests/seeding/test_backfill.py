"""Simulated days through the real ingestion: trips add up to what the odometers say."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.state import Doors
from fleetlink.domain.trips import Trip, TripQuery
from fleetlink.seeding.backfill import backfill
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.vehicles import register_vehicles
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet

DAYS = 2
EVER = (date(2000, 1, 1), date(2100, 1, 1))
COUNT = 8


LIFE_START = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
# Seed 11's fleet has two cars on the road when a backfill ends at this instant.
MID_TRIP_END = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("end", [None, MID_TRIP_END], ids=["ending-now", "ending-mid-trip"])
async def test_the_sum_of_trip_distances_equals_the_odometer_delta(
    container: Container, end: datetime | None
) -> None:
    end = end or datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    start = end - timedelta(days=DAYS)
    generated = generate_fleet(11, COUNT, start, first_serial=70_000)
    owner = await create_account(container.services, "fleet@example.com", "long-enough")
    vehicles = await register_vehicles(
        container.services, owner, [as_new_vehicle(g) for g in generated]
    )
    sims = simulate_generated(generated, 11, start)
    odometer_before = {g.vin: g.state.odometer_km or 0.0 for g in generated}

    result = await backfill(container.services, sims, end)

    assert result.trips >= COUNT * DAYS
    async with container.store.reading() as uow:
        states = await uow.states.get_many([v.id for v in vehicles])
        progress = await uow.trip_progress.get_many([v.id for v in vehicles])
        on_the_road: list[str] = []
        for vehicle in vehicles:
            trips: list[Trip] = []
            for offset in range(0, 1000, 50):
                query = TripQuery(EVER[0], EVER[1], offset=offset, include_route=True)
                page = await uow.trips.page(vehicle.id, query)
                trips += page.trips
                if len(page.trips) < 50:
                    break
            odometer = states[vehicle.id].odometer_km or 0.0
            driven = odometer - odometer_before[vehicle.vin]
            # A trip under way when the backfill stops is not a trip yet: what it has
            # driven so far is on the odometer but in no stored trip.
            under_way = progress[vehicle.id].trip if vehicle.id in progress else None
            if under_way is not None and under_way.start_odometer_km is not None:
                on_the_road.append(vehicle.vin)
                driven -= odometer - under_way.start_odometer_km
            assert trips, vehicle.vin
            assert sum(t.distance_km for t in trips) == pytest.approx(driven, rel=0.01)
            assert all(len(t.route) >= 2 for t in trips)
            ordered = sorted(trips, key=lambda t: t.start.at)
            for before, after in itertools.pairwise(ordered):
                assert before.end.at <= after.start.at, "never two trips at once"
    if end == MID_TRIP_END:
        assert on_the_road, "the case this instant exists for: a car still driving at the end"


async def test_a_lived_life_leaves_service_records_charging_stops_and_locked_doors(
    container: Container,
) -> None:
    # A fixed start, so the lives (and the few drivers who forget to lock) are the same
    # every run.
    start = LIFE_START
    generated = generate_fleet(12, COUNT, start, first_serial=71_000)
    owner = await create_account(container.services, "life@example.com", "long-enough")
    vehicles = await register_vehicles(
        container.services, owner, [as_new_vehicle(g) for g in generated]
    )
    sims = simulate_generated(generated, 12, start)
    serviced = next(s for s in sims if s.spec.powertrain.has_engine_oil)
    serviced.km_since_service = 9_999.0
    fast = next(s for s in sims if s.powertrain == "bev")
    fast.soc_pct, fast.home_charger, fast.plugged, fast.session = 18.0, False, False, None
    ids = {v.vin: v.id for v in vehicles}

    await backfill(container.services, sims, start + timedelta(days=DAYS))

    async with container.store.reading() as uow:
        records = await uow.service_records.for_vehicle(ids[serviced.vin])
        charged = await uow.notifications.page(ids[fast.vin], unread_only=False)
        states = await uow.states.get_many(list(ids.values()))
    (record,) = records
    assert record.category == "oil_change"
    assert record.dealer_name is not None and record.dealer_name.startswith(serviced.spec.make)
    assert record.odometer_km is not None and 0 < record.odometer_km <= serviced.odometer_km
    titles = [n.title for n in charged.notifications]
    assert "Charging complete" in titles and "Charging interrupted" not in titles
    # When the history stops while someone is getting in or out (a chore under way), that
    # car stands with doors open and unlocked; every other parked car is shut.
    busy = {ids[sim.vin] for sim in sims if sim.chore is not None}
    parked = [s for vid, s in states.items() if s is not None and s.is_parked and vid not in busy]
    assert parked and all(s.doors == Doors() for s in parked), "every door shut when parked"
    assert sum(s.doors_locked for s in parked) >= len(parked) - 1, "a driver may forget"
