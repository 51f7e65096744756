"""The events outbox: every change told in its own transaction, numbered per vehicle."""

import asyncio
from datetime import timedelta

from fleetlink.bootstrap import Container
from fleetlink.domain.accounts import Account
from fleetlink.domain.commands import CommandKind, CommandRequest
from fleetlink.domain.events import Event, EventType
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.services.commands import get_command, send_command
from fleetlink.services.telemetry import ingest
from fleetlink.telematics.encoding import LAST_WILL, encode_connection, encode_result
from fleetlink.telematics.topics import Channel
from tests.conftest import Clock, OwnerFactory
from tests.services.test_telemetry import T0, arrival, sample


async def _events(container: Container, vehicle_id: int) -> list[Event]:
    async with container.store.reading() as uow:
        return await uow.events.of_vehicle(vehicle_id)


async def test_a_batch_tells_what_changed_in_vss_names_at_the_vehicles_time(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    car = owner.vehicles[0]
    before = await _events(container, car.id)
    await ingest(
        container.services,
        [
            sample(car.vin, "m1", T0, odometer=1000.0, speed=30.0),
            sample(car.vin, "m2", T0 + timedelta(seconds=5), odometer=1000.2, locked=False),
            arrival(
                car.vin, Channel.CONNECTION, encode_connection("c1", T0, ConnectionState.ONLINE)
            ),
        ],
    )

    told = (await _events(container, car.id))[len(before) :]
    state = next(e for e in told if e.type is EventType.STATE_CHANGED)
    assert state.occurred_at == T0 + timedelta(seconds=5)
    assert state.data["signals"]["Vehicle.TraveledDistance"] == 1000.2
    assert state.data["signals"]["Vehicle.Speed"] == 30.0
    assert state.data["signals"]["Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"] is False
    assert state.data["reports"] == 2
    connection = [e for e in told if e.type is EventType.CONNECTION_CHANGED]
    if car.is_connected:  # the generated fleet may start online: then nothing changed
        assert connection == []
    else:
        assert [(e.data, e.occurred_at) for e in connection] == [({"state": "online"}, T0)]
    sequences = [e.sequence for e in await _events(container, car.id)]
    assert sequences == list(range(1, len(sequences) + 1))


async def test_a_repeated_message_and_an_unchanged_state_tell_nothing(
    container: Container, make_owner: OwnerFactory
) -> None:
    car = (await make_owner(count=1)).vehicles[0]
    await ingest(container.services, [sample(car.vin, "m1", T0, odometer=5.0)])
    count = len(await _events(container, car.id))

    await ingest(container.services, [sample(car.vin, "m1", T0, odometer=5.0)])
    await ingest(
        container.services, [sample(car.vin, "m2", T0 + timedelta(seconds=1), odometer=5.0)]
    )

    assert len(await _events(container, car.id)) == count


async def test_a_last_will_tells_offline_at_its_arrival(
    container: Container, make_owner: OwnerFactory
) -> None:
    car = (await make_owner(count=1)).vehicles[0]
    online = encode_connection("c1", T0, ConnectionState.ONLINE)
    await ingest(container.services, [arrival(car.vin, Channel.CONNECTION, online)])
    will = arrival(car.vin, Channel.CONNECTION, LAST_WILL, T0 + timedelta(minutes=3))

    await ingest(container.services, [will])

    last = (await _events(container, car.id))[-1]
    assert last.type is EventType.CONNECTION_CHANGED
    assert last.data == {"state": "offline"}
    assert last.occurred_at == T0 + timedelta(minutes=3)


async def _owner_account(owner_factory: OwnerFactory) -> tuple[Account, int, str]:
    owner = await owner_factory(count=1)
    return owner.account, owner.vehicles[0].id, owner.vehicles[0].vin


async def test_a_commands_result_and_its_expiry_are_told_settled(
    clocked: Container, clock: Clock, make_owner: OwnerFactory
) -> None:
    account, vid, vin = await _owner_account(make_owner)
    ok = await send_command(clocked.services, account, vin, CommandRequest(CommandKind.LOCK))
    late = await send_command(clocked.services, account, vin, CommandRequest(CommandKind.HORN))
    result = encode_result(
        "r1", clock(), ok.id, ok=False, code="DOOR_OPEN", reason="a door is open"
    )
    await ingest(clocked.services, [arrival(vin, Channel.COMMAND_RESULTS, result)])
    clock.advance(clocked.services.command_timeout)
    await get_command(clocked.services, account, vin, late.id)

    settled = [e for e in await _events(clocked, vid) if e.type is EventType.COMMAND_SETTLED]
    assert [(e.data["requestId"], e.data["status"], e.data["returnCode"]) for e in settled] == [
        (ok.id, "failed", "DOOR_OPEN"),
        (late.id, "expired", "TIMEOUT"),
    ]
    assert settled[0].data["reason"] == "a door is open"
    notified = [e for e in await _events(clocked, vid) if e.type is EventType.NOTIFICATION_CREATED]
    assert notified and notified[-1].data["severity"]


async def test_two_writers_at_once_never_share_a_sequence_number(
    container: Container, make_owner: OwnerFactory
) -> None:
    car = (await make_owner(count=1)).vehicles[0]
    batches = [
        [sample(car.vin, f"m{i}-{j}", T0 + timedelta(seconds=i * 10 + j), odometer=i * 10.0 + j)]
        for i in range(4)
        for j in range(2)
    ]

    await asyncio.gather(*(ingest(container.services, b) for b in batches))

    sequences = sorted(e.sequence for e in await _events(container, car.id))
    assert sequences == list(range(1, len(sequences) + 1))
