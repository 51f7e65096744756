"""Ingestion's write of the latest state: each group of signals keeps its newest value, even
between writers that did not see each other's rows."""

from datetime import UTC, datetime, timedelta

from fleetlink.bootstrap import Container
from fleetlink.domain.state import Position, SignalTimes, VehicleState
from fleetlink.storage.tables import vehicle_state
from fleetlink.storage.tables.vehicles import STATE_GROUPS
from tests.conftest import OwnerFactory

T = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def test_every_column_of_the_state_is_in_exactly_one_group() -> None:
    grouped = [name for time, columns in STATE_GROUPS.items() for name in (time, *columns)]

    assert sorted(grouped) == sorted(
        c.name for c in vehicle_state.c if c.name not in ("vehicle_id", "reported_at")
    )


async def test_two_writers_that_did_not_see_each_other_keep_each_groups_newest(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    async with container.store.engine.begin() as conn:
        # Its first sample, as if it had never reported before (no generated starting state).
        await conn.execute(vehicle_state.delete().where(vehicle_state.c.vehicle_id == vehicle.id))
    async with container.store.writing() as uow:
        await uow.states.merge_many({vehicle.id: _state(T, battery=(60.0, T), position=T)})
        await uow.commit()
    # Two writers, each from the state above: one heard a newer battery, the other a newer
    # position but an older battery. Whichever writes last, each group keeps its newest.
    newer_battery = _state(T + timedelta(minutes=2), battery=(70.0, T + timedelta(minutes=2)))
    newer_position = _state(
        T + timedelta(minutes=3),
        battery=(50.0, T + timedelta(minutes=1)),
        position=T + timedelta(minutes=3),
    )

    for state in (newer_battery, newer_position):
        async with container.store.writing() as uow:
            await uow.states.merge_many({vehicle.id: state})
            await uow.commit()

    async with container.store.reading() as uow:
        stored = (await uow.states.get_many([vehicle.id]))[vehicle.id]
    assert (stored.battery_soc_pct, stored.times.battery) == (70.0, T + timedelta(minutes=2))
    assert stored.position == Position(1.0, 2.0, T + timedelta(minutes=3))
    assert stored.reported_at == T + timedelta(minutes=3)


async def test_an_older_write_sets_no_group_back_and_no_time_back(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    newer = _state(T + timedelta(minutes=5), battery=(80.0, T + timedelta(minutes=5)))
    older = _state(T, battery=(10.0, T), position=T)

    async with container.store.writing() as uow:
        await uow.states.put_many({vehicle.id: newer})
        await uow.states.merge_many({vehicle.id: older})
        await uow.commit()

    async with container.store.reading() as uow:
        stored = (await uow.states.get_many([vehicle.id]))[vehicle.id]
    assert (stored.battery_soc_pct, stored.times.battery) == (80.0, T + timedelta(minutes=5))
    # The older write held the only position: nothing newer stood in its way.
    assert stored.position == Position(1.0, 2.0, T)
    assert stored.reported_at == T + timedelta(minutes=5)


def _state(
    reported: datetime,
    *,
    battery: tuple[float, datetime],
    position: datetime | None = None,
) -> VehicleState:
    soc, battery_at = battery
    return VehicleState(
        reported,
        battery_soc_pct=soc,
        position=None if position is None else Position(1.0, 2.0, position),
        times=SignalTimes(battery=battery_at),
    )
