"""Simulated days through the real ingestion: trips add up to what the odometers say."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.fleetgen import generate_fleet
from fleetlink.domain.trips import Trip, TripQuery
from fleetlink.services.accounts import create_account
from fleetlink.services.demo import as_new_vehicle
from fleetlink.services.vehicles import register_vehicles
from fleetlink.simulator.backfill import backfill
from fleetlink.simulator.fleet import simulate_generated

DAYS = 2
EVER = (date(2000, 1, 1), date(2100, 1, 1))
COUNT = 8


async def test_the_sum_of_trip_distances_equals_the_odometer_delta(container: Container) -> None:
    start = (datetime.now(UTC) - timedelta(days=DAYS + 1)).replace(microsecond=0)
    generated = generate_fleet(11, COUNT, start, first_serial=70_000)
    owner = await create_account(container.services, "fleet@example.com", "long-enough")
    vehicles = await register_vehicles(
        container.services, owner, [as_new_vehicle(g) for g in generated]
    )
    sims = simulate_generated(generated, 11, start)
    odometer_before = {g.vin: g.state.odometer_km or 0.0 for g in generated}

    result = await backfill(container.services, sims, start + timedelta(days=DAYS))

    assert result.trips >= COUNT * DAYS
    async with container.store.reading() as uow:
        states = await uow.states.get_many([v.id for v in vehicles])
        for vehicle in vehicles:
            trips: list[Trip] = []
            for offset in range(0, 1000, 50):
                query = TripQuery(EVER[0], EVER[1], offset=offset, include_route=True)
                page = await uow.trips.page(vehicle.id, query)
                trips += page.trips
                if len(page.trips) < 50:
                    break
            driven = (states[vehicle.id].odometer_km or 0.0) - odometer_before[vehicle.vin]
            assert trips, vehicle.vin
            assert sum(t.distance_km for t in trips) == pytest.approx(driven, rel=0.01)
            assert all(len(t.route) >= 2 for t in trips)
            ordered = sorted(trips, key=lambda t: t.start.at)
            for before, after in itertools.pairwise(ordered):
                assert before.end.at <= after.start.at, "never two trips at once"
