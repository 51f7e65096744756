"""Backfill with the models in a worker process: the same life, all of it stored."""

from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.fleetgen import generate_fleet
from fleetlink.services.accounts import create_account
from fleetlink.services.demo import as_new_vehicle
from fleetlink.services.vehicles import register_vehicles
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.history import lived_days
from fleetlink.simulator.lifeworker import BackfillFailed, backfill_in_worker
from fleetlink.simulator.model import SimVehicle

DAYS = 2


def _where(vehicles: list[SimVehicle]) -> list[tuple[object, ...]]:
    return [(v.vin, v.now, v.odometer_km, v.position, v.soc_pct, v.fuel_pct) for v in vehicles]


async def test_a_worker_lives_the_same_history_and_all_of_it_is_stored(
    container: Container,
) -> None:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    start = end - timedelta(days=DAYS)
    generated = generate_fleet(11, 4, start, first_serial=71_000)
    owner = await create_account(container.services, "fleet@example.com", "long-enough")
    vehicles = await register_vehicles(
        container.services, owner, [as_new_vehicle(g) for g in generated]
    )
    twins = simulate_generated(generated, 11, start)
    sent = sum(len(day) for _, day in lived_days(twins, end))
    days: list[datetime] = []

    result, lived = await backfill_in_worker(
        container.services, simulate_generated(generated, 11, start), end, progress=days.append
    )

    assert (result.messages, result.dropped) == (sent, 0)
    assert _where(lived) == _where(twins)
    assert days[-1] == end and len(days) == DAYS
    async with container.store.reading() as uow:
        states = await uow.states.get_many([v.id for v in vehicles])
    assert result.trips >= len(vehicles) * DAYS
    assert sorted(s.odometer_km or 0.0 for s in states.values()) == pytest.approx(
        sorted(v.odometer_km for v in twins), abs=0.1
    )


async def test_a_worker_that_fails_stops_the_backfill_with_its_reason(
    container: Container,
) -> None:
    start = datetime.now(UTC) - timedelta(days=1)
    sims = simulate_generated(generate_fleet(11, 1, start), 11, start)
    naive = datetime.now()  # a model cannot compare its aware clock with this

    with pytest.raises(BackfillFailed, match="TypeError"):
        await backfill_in_worker(container.services, sims, naive)
