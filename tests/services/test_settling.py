"""The settling sweep: what expires by the clock is recorded and told without anyone reading."""

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
import structlog

from fleetlink.app import start_background
from fleetlink.auth.access import ApiAccess, GrantType
from fleetlink.auth.scopes import ALL_SCOPES
from fleetlink.bootstrap import Container
from fleetlink.domain.brands import decode_vin
from fleetlink.domain.commands import CommandKind, CommandRequest, CommandStatus
from fleetlink.domain.events import Event, EventType
from fleetlink.services import settling
from fleetlink.services.commands import get_command, send_command
from fleetlink.services.fleet import register_vehicle
from fleetlink.services.settling import Settled, settle_overdue
from tests.api.conftest import with_clearance
from tests.conftest import Clock, OwnerFactory
from tests.oauth import register_client


async def _events(container: Container, vehicle_id: int, kind: EventType) -> list[Event]:
    async with container.store.reading() as uow:
        return [e for e in await uow.events.of_vehicle(vehicle_id) if e.type is kind]


async def test_a_command_nobody_reads_is_told_expired_at_its_deadline(
    clocked: Container, clock: Clock, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    car = owner.vehicles[0]
    sent = clock()
    commands = [
        await send_command(clocked.services, owner.account, car.vin, CommandRequest(kind))
        for kind in (CommandKind.LOCK, CommandKind.HORN, CommandKind.LIGHTS)
    ]

    clock.advance(clocked.services.command_timeout - timedelta(seconds=1))
    early = await settle_overdue(clocked.services)
    clock.advance(timedelta(minutes=5))
    # Batches of two: the sweep goes on until nothing overdue is left.
    swept = await settle_overdue(clocked.services, batch=2)
    again = await settle_overdue(clocked.services)

    assert early == Settled(0, 0)
    assert swept == Settled(commands=3, clearances=0)
    assert again == Settled(0, 0)
    told = await _events(clocked, car.id, EventType.COMMAND_SETTLED)
    assert sorted(e.data["requestId"] for e in told) == sorted(c.id for c in commands)
    assert {(e.data["status"], e.data["returnCode"]) for e in told} == {("expired", "TIMEOUT")}
    deadline = sent + clocked.services.command_timeout
    assert {e.occurred_at for e in told} == {deadline}
    # A reader afterwards sees the expiry and tells nothing more.
    read = await get_command(clocked.services, owner.account, car.vin, commands[0].id)
    assert read.status is CommandStatus.EXPIRED
    assert len(await _events(clocked, car.id, EventType.COMMAND_SETTLED)) == 3


async def test_a_clearance_the_platform_settles_is_told_without_the_fleet_reading(
    clocked: Container, clock: Clock, make_owner: OwnerFactory
) -> None:
    sandbox = with_clearance(clocked, auto_approve=True, delay_s=10)
    car = (await make_owner(count=1)).vehicles[0]
    app = await register_client(sandbox)
    access = ApiAccess(app.client_id, GrantType.CLIENT_CREDENTIALS, frozenset(ALL_SCOPES))
    await register_vehicle(sandbox.services, access, car.vin, decode_vin(car.vin).brand, None)
    registered = clock()

    assert await settle_overdue(sandbox.services) == Settled(0, 0)
    clock.advance(timedelta(seconds=10))
    assert await settle_overdue(sandbox.services) == Settled(commands=0, clearances=1)

    told = await _events(sandbox, car.id, EventType.CLEARANCE_CHANGED)
    assert [(e.data["status"], e.client_id) for e in told] == [
        ("pending", app.client_id),
        ("approved", app.client_id),
    ]
    assert told[-1].occurred_at == registered + timedelta(seconds=10)


async def test_the_sweep_survives_a_failing_pass_and_logs_it(
    clocked: Container, clock: Clock, make_owner: OwnerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await make_owner(count=1)
    car = owner.vehicles[0]
    await send_command(clocked.services, owner.account, car.vin, CommandRequest(CommandKind.LOCK))
    clock.advance(timedelta(hours=1))
    real = settling.expire_overdue_commands
    calls = 0

    async def flaky(ctx: object, batch: int = settling.BATCH) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the store hiccuped")
        return await real(clocked.services, batch)

    monkeypatch.setattr(settling, "expire_overdue_commands", flaky)
    with structlog.testing.capture_logs() as logs:
        task = asyncio.create_task(settling.run(clocked.services, interval_s=0.01))
        for _ in range(500):
            if await _events(clocked, car.id, EventType.COMMAND_SETTLED):
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert len(await _events(clocked, car.id, EventType.COMMAND_SETTLED)) == 1
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["settling.failed"]
    assert any(e["event"] == "command.expired" and e["vin"] == car.vin for e in logs)


@pytest.mark.parametrize("primary", [True, False])
async def test_only_a_primary_process_runs_the_sweep(clocked: Container, primary: bool) -> None:
    quiet = replace(clocked, telematics=None, broker=None, webhooks=None, primary=primary)

    supervisor = start_background(quiet)
    try:
        names = {t.get_name() for t in asyncio.all_tasks()}
    finally:
        await supervisor.stop()

    assert ("settling" in names) is primary
