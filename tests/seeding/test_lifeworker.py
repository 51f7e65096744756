"""Backfill with the models in a worker process: the same life, all of it stored."""

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest

from fleetlink.bootstrap import Container
from fleetlink.seeding.lifeworker import BackfillFailed, backfill_in_worker
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.vehicles import register_vehicles
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.simulator.history import lived_days
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


_SEEDING = """
import asyncio, sys
from datetime import UTC, datetime, timedelta
from fleetlink.bootstrap import build
from fleetlink.settings import Settings
from fleetlink.seeding.demo import prepare_demo

async def main() -> None:
    container = build(Settings(database_url=sys.argv[1]))
    await container.start()
    await prepare_demo(container.services, seed=5, count=25, history_days=300, worker=True)

if __name__ == "__main__":
    asyncio.run(main())
"""


def _worker_of(parent: psutil.Process) -> psutil.Process | None:
    for child in parent.children():
        if any("spawn_main" in part for part in child.cmdline()):
            return child
    return None


async def test_a_worker_whose_parent_is_killed_exits(tmp_path: Path) -> None:
    script = tmp_path / "seeding.py"
    script.write_text(_SEEDING)
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        f"sqlite+aiosqlite:///{tmp_path / 'seed.db'}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        worker = None
        for _ in range(600):
            worker = _worker_of(psutil.Process(parent.pid))
            if worker is not None:
                break
            await asyncio.sleep(0.1)
        assert worker is not None, "the seeding never started its worker"
        await asyncio.sleep(2)  # well into the history, its queue full

        parent.kill()
        await parent.wait()
        gone, alive = await asyncio.to_thread(psutil.wait_procs, [worker], 20)
    finally:
        if parent.returncode is None:
            parent.kill()
            await parent.wait()
    for leftover in alive:
        leftover.kill()

    assert gone and not alive
