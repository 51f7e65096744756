"""Ingestion: each message once, newest state wins, history and state in one commit."""

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from fleetlink.bootstrap import Container
from fleetlink.domain.commands import CommandKind, CommandRequest
from fleetlink.domain.reports import EventKind
from fleetlink.domain.state import Severity, WarningLight
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.services.commands import get_command, send_command
from fleetlink.services.retention import sweep
from fleetlink.services.telemetry import Arrival, ingest
from fleetlink.storage.tables import vehicle_messages
from fleetlink.telematics.codec import decode
from fleetlink.telematics.encoding import (
    LAST_WILL,
    encode_connection,
    encode_event,
    encode_result,
    encode_telemetry,
)
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import ANY_TIME, Clock, OwnerFactory

# After the generated starting state, which the vehicles reported minutes ago.
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def arrival(
    vin: str, channel: Channel, payload: bytes, received: datetime | None = None
) -> Arrival:
    received = received or datetime.now(UTC)
    report = decode(topic(vin, channel), payload, received, ANY_TIME)
    return Arrival(report, channel.value, json.loads(payload), received)


def sample(vin: str, mid: str, at: datetime, **signals: object) -> Arrival:
    names = {
        "odometer": "Vehicle.TraveledDistance",
        "speed": "Vehicle.Speed",
        "lat": "Vehicle.CurrentLocation.Latitude",
        "lon": "Vehicle.CurrentLocation.Longitude",
        "locked": "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked",
    }
    body = {names[k]: v for k, v in signals.items()}
    return arrival(vin, Channel.TELEMETRY, encode_telemetry(mid, at, body))


async def _stored_messages(container: Container) -> int:
    async with container.store.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(vehicle_messages))).scalar_one()
        )


async def test_a_sample_moves_the_state_the_api_shows(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    result = await ingest(
        container.services,
        [sample(vin, "m1", T0, odometer=1000.0, speed=50.0, lat=35.08, lon=137.15)],
    )

    assert result.applied == 1
    position = (
        await client.get(f"/connected/v1/vehicles/{vin}/location", headers=owner.headers)
    ).json()
    assert position == {
        "vin": vin,
        "latitude": 35.08,
        "longitude": 137.15,
        "isParked": False,
        "timestamp": iso(T0),
    }


async def test_a_redelivered_message_is_applied_once(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    first = sample(vin, "dup", T0, odometer=1000.0)

    once = await ingest(container.services, [first, first])
    again = await ingest(container.services, [first])

    assert (once.applied, once.duplicates) == (1, 1)
    assert (again.applied, again.duplicates) == (0, 1)
    assert await _stored_messages(container) == 1


async def test_an_older_sample_never_overwrites_newer_state(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    newer = sample(vin, "new", T0 + timedelta(minutes=5), lat=35.2, lon=137.2)
    older = sample(vin, "old", T0, lat=35.1, lon=137.1)

    await ingest(container.services, [newer])
    await ingest(container.services, [older])
    both_in_one_batch = await ingest(
        container.services,
        [sample(vin, "late", T0 + timedelta(minutes=1), lat=1.0, lon=1.0)],
    )

    body = (
        await client.get(f"/connected/v1/vehicles/{vin}/location", headers=owner.headers)
    ).json()
    assert (body["latitude"], body["timestamp"]) == (35.2, iso(T0 + timedelta(minutes=5)))
    assert both_in_one_batch.applied == 1, "kept in the history all the same"
    assert await _stored_messages(container) == 3


async def test_out_of_order_samples_in_one_batch_end_at_the_newest(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    batch = [
        sample(vin, f"m{i}", T0 + timedelta(seconds=s), lat=35.0 + s / 1000, lon=137.0)
        for i, s in enumerate([30, 10, 50, 20, 40])
    ]

    await ingest(container.services, batch)

    body = (
        await client.get(f"/connected/v1/vehicles/{vin}/location", headers=owner.headers)
    ).json()
    assert body["latitude"] == 35.05


async def test_a_vehicle_nobody_registered_is_counted_and_dropped(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    stranger = "JTMAAAAA7PJ000001"

    result = await ingest(
        container.services,
        [sample(stranger, "x", T0, speed=1.0), sample(owner.vehicles[0].vin, "y", T0, speed=1.0)],
    )

    assert (result.unknown_vehicle, result.applied) == (1, 1)


async def test_connection_reports_feed_is_connected_and_last_connected_at(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    online = arrival(vin, Channel.CONNECTION, encode_connection("c1", T0, ConnectionState.ONLINE))
    stale = arrival(
        vin,
        Channel.CONNECTION,
        encode_connection("c0", T0 - timedelta(hours=1), ConnectionState.OFFLINE),
    )

    await ingest(container.services, [online])
    await ingest(container.services, [stale])

    body = (await client.get(f"/connected/v1/vehicles/{vin}", headers=owner.headers)).json()
    assert body["isConnected"] is True
    assert body["lastConnectedAt"] == iso(T0)


async def test_a_vehicle_back_after_its_last_will_is_online_though_its_clock_is_behind(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    url = f"/connected/v1/vehicles/{vin}"
    # The unit's clock runs a minute behind ours; the broker dates its will by ours.
    will = arrival(vin, Channel.CONNECTION, LAST_WILL, T0 + timedelta(minutes=1))

    await ingest(
        container.services,
        [arrival(vin, Channel.CONNECTION, encode_connection("c1", T0, ConnectionState.ONLINE))],
    )
    await ingest(container.services, [will])
    gone = (await client.get(url, headers=owner.headers)).json()
    back = T0 + timedelta(seconds=10)
    await ingest(
        container.services,
        [arrival(vin, Channel.CONNECTION, encode_connection("c2", back, ConnectionState.ONLINE))],
    )
    again = (await client.get(url, headers=owner.headers)).json()

    assert (gone["isConnected"], gone["lastConnectedAt"]) == (False, iso(T0))
    assert (again["isConnected"], again["lastConnectedAt"]) == (True, iso(back))


async def test_a_vehicles_answer_settles_its_command_and_a_refusal_notifies(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    ctx = container.services
    lock = await send_command(ctx, owner.account, vin, CommandRequest(CommandKind.LOCK))
    horn = await send_command(ctx, owner.account, vin, CommandRequest.remote(CommandKind.HORN, 1))
    now = datetime.now(UTC)

    await ingest(
        ctx,
        [
            arrival(
                vin,
                Channel.COMMAND_RESULTS,
                encode_result("r1", now, lock.id, ok=True, code="000000", reason=None),
            ),
            arrival(
                vin,
                Channel.COMMAND_RESULTS,
                encode_result(
                    "r2", now, horn.id, ok=False, code="DRIVING", reason="vehicle is moving"
                ),
            ),
        ],
    )

    assert (await get_command(ctx, owner.account, vin, lock.id)).status == "succeeded"
    failed = await get_command(ctx, owner.account, vin, horn.id)
    assert (failed.status, failed.return_code, failed.reason) == (
        "failed",
        "DRIVING",
        "vehicle is moving",
    )
    async with ctx.store.reading() as uow:
        page = await uow.notifications.page(owner.vehicles[0].id, unread_only=True)
    assert [n.title for n in page.notifications] == ["Command horn failed"]


async def test_an_answer_after_the_deadline_leaves_the_command_expired(
    clocked: Container, clock: Clock, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    ctx = clocked.services
    lock = await send_command(ctx, owner.account, vin, CommandRequest(CommandKind.LOCK))
    clock.advance(ctx.command_timeout + timedelta(seconds=1))

    await ingest(
        ctx,
        [
            arrival(
                vin,
                Channel.COMMAND_RESULTS,
                encode_result("r", clock.now, lock.id, ok=True, code="000000", reason=None),
            )
        ],
    )

    assert (await get_command(ctx, owner.account, vin, lock.id)).status == "expired"


async def test_a_result_for_another_vehicles_command_changes_nothing(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    first, second = owner.vehicles
    ctx = container.services
    lock = await send_command(ctx, owner.account, first.vin, CommandRequest(CommandKind.LOCK))

    await ingest(
        ctx,
        [
            arrival(
                second.vin,
                Channel.COMMAND_RESULTS,
                encode_result("r", datetime.now(UTC), lock.id, ok=True, code="000000", reason=None),
            )
        ],
    )

    assert (await get_command(ctx, owner.account, first.vin, lock.id)).status == "pending"


async def test_a_warning_light_shows_in_health_and_notifies_until_it_goes_off(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    light = WarningLight("check_engine", Severity.CRITICAL, "Engine malfunction")

    await ingest(
        container.services,
        [arrival(vin, Channel.EVENTS, encode_event("e1", T0, EventKind.WARNING_LIGHT_ON, light))],
    )
    lit = (await client.get(f"/connected/v1/vehicles/{vin}/health", headers=owner.headers)).json()
    await ingest(
        container.services,
        [
            arrival(
                vin,
                Channel.EVENTS,
                encode_event("e2", T0 + timedelta(hours=1), EventKind.WARNING_LIGHT_OFF, light),
            )
        ],
    )
    cleared = (
        await client.get(f"/connected/v1/vehicles/{vin}/health", headers=owner.headers)
    ).json()
    notes = (
        await client.get(f"/connected/v1/vehicles/{vin}/notifications", headers=owner.headers)
    ).json()

    assert lit["overallStatus"] == "critical"
    assert [w["name"] for w in lit["warningLights"]] == ["check_engine"]
    assert all(w["name"] != "check_engine" for w in cleared["warningLights"])
    assert [(n["type"], n["severity"]) for n in notes["data"]] == [("alert", "critical")]


async def test_lock_reports_from_every_door_lock_the_car(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    doors = ["Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide"]

    def locks(mid: str, at: datetime, value: bool) -> Arrival:
        body = {f"Vehicle.Cabin.Door.{d}.IsLocked": value for d in doors}
        return arrival(vin, Channel.TELEMETRY, encode_telemetry(mid, at, body))

    await ingest(container.services, [locks("u", T0, False)])
    unlocked = (
        await client.get(f"/connected/v1/vehicles/{vin}/status", headers=owner.headers)
    ).json()
    await ingest(container.services, [locks("l", T0 + timedelta(seconds=5), True)])
    locked = (
        await client.get(f"/connected/v1/vehicles/{vin}/status", headers=owner.headers)
    ).json()

    assert unlocked["doorsLocked"] is False
    assert locked["doorsLocked"] is True
    assert locked["lastUpdatedAt"] == iso(T0 + timedelta(seconds=5))


async def test_raw_messages_past_the_retention_are_swept(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    now = datetime.now(UTC)
    old = arrival(
        vin,
        Channel.TELEMETRY,
        encode_telemetry("old", T0, {"Vehicle.Speed": 1}),
        now - timedelta(days=8),
    )
    new = arrival(vin, Channel.TELEMETRY, encode_telemetry("new", T0, {"Vehicle.Speed": 2}), now)
    # Eight days ago, the old message was fresh.
    back_then = replace(container.services, clock=lambda: now - timedelta(days=8))
    await ingest(back_then, [old])
    await ingest(container.services, [new])

    swept = await sweep(container.services)

    assert swept.messages == 1
    assert await _stored_messages(container) == 1


async def test_a_message_received_before_the_retention_is_applied_but_not_kept_raw(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    at = datetime.now(UTC) - timedelta(days=9)
    light = WarningLight("check_engine", Severity.WARNING, "Check engine")
    payload = encode_event("backfilled", at, EventKind.WARNING_LIGHT_ON, light)
    old = arrival(vin, Channel.EVENTS, payload, at)

    result = await ingest(container.services, [old, old])

    async with container.store.reading() as uow:
        page = await uow.notifications.page(owner.vehicles[0].id, unread_only=True)
    assert (result.applied, result.duplicates) == (1, 1), "a repeat in the batch applies once"
    assert [n.title for n in page.notifications] == ["Warning light: check engine"]
    assert await _stored_messages(container) == 0, "the sweep would delete it at once"


async def test_servers_creating_the_demo_fleet_together_agree_on_one(
    container: Container,
) -> None:
    from fleetlink.seeding.registration import ensure_demo_fleet

    fleets = await asyncio.gather(
        *(ensure_demo_fleet(container.services, seed=2026, count=25) for _ in range(4))
    )

    assert {f.account.guid for f in fleets} == {fleets[0].account.guid}
    assert all(len(f.vehicles) == 25 for f in fleets)
    assert sum(f.password is not None for f in fleets) == 1, "the password is shown once"


async def test_oil_going_low_and_charging_stopping_early_notify_the_owner(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=4)
    ice, bev = owner.vehicle("ice"), owner.vehicle("bev")
    oil = "Vehicle.Powertrain.CombustionEngine.EngineOilLevel"
    charging = "Vehicle.Powertrain.TractionBattery.Charging.IsCharging"
    cable = "Vehicle.Powertrain.TractionBattery.Charging.IsChargingCableConnected"
    soc = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"

    def report(vin: str, mid: str, seconds: int, signals: dict[str, object]) -> Arrival:
        at = T0 + timedelta(seconds=seconds)
        return arrival(vin, Channel.TELEMETRY, encode_telemetry(mid, at, signals))

    await ingest(
        container.services,
        [
            report(ice.vin, "o1", 0, {oil: "NORMAL"}),
            report(ice.vin, "o2", 10, {oil: "LOW"}),
            report(ice.vin, "o3", 20, {oil: "LOW"}),
            report(bev.vin, "c1", 0, {cable: True, charging: True, soc: 55.0}),
            report(bev.vin, "c2", 10, {cable: True, charging: False, soc: 57.0}),
        ],
    )

    def titles(vin: str) -> list[str]:
        return [n["title"] for n in notes[vin]["data"]]

    notes = {
        v.vin: (
            await client.get(f"/connected/v1/vehicles/{v.vin}/notifications", headers=owner.headers)
        ).json()
        for v in (ice, bev)
    }
    assert titles(ice.vin) == ["Engine oil low"]
    assert titles(bev.vin) == ["Charging interrupted"]
