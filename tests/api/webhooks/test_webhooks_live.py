"""Webhooks end to end through a real server: a car speaks MQTT, its owner locks it through
the Toyota API, a receiver verifies what it is sent with `standardwebhooks`; then the receiver
is down for a while and, once back, gets every event it missed, in an order it can rebuild."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiomqtt
import httpx
from sqlalchemy import select

from fleetlink.bootstrap import Container
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.services.devices import issue_device_credential
from fleetlink.storage.tables import events
from fleetlink.telematics.codec import decode_command
from fleetlink.telematics.encoding import encode_connection, encode_result, encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.api.webhooks.conftest import HOOKS
from tests.api.webhooks.receiver import Receiver
from tests.conftest import OwnerFactory
from tests.live import free_port, start_server

TYPES = ["command.settled", "vehicle.state_changed"]
LOCKED = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"
DOORS = [
    f"Vehicle.Cabin.Door.Row{r}.{s}.IsLocked"
    for r in (1, 2)
    for s in ("DriverSide", "PassengerSide")
]
# Webhook retries within seconds rather than days, for this test only.
FAST_RETRIES = {
    "FLEETLINK_WEBHOOKS_ALLOW_HTTP": "true",
    "FLEETLINK_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
    "FLEETLINK_WEBHOOKS_RETRY_SCALE": "0.002",
}


@asynccontextmanager
async def _car(port: int, vin: str, password: str) -> AsyncIterator[aiomqtt.Client]:
    """The car's unit, online, answering every command it is sent: its doors locked (its
    state first, as a unit reports what it did), then the command's result."""
    async with aiomqtt.Client(
        "127.0.0.1", port, username=vin, password=password, identifier=vin
    ) as car:
        await car.subscribe(topic(vin, Channel.COMMANDS), qos=1)
        hello = encode_connection("hello", datetime.now(UTC), ConnectionState.ONLINE)
        await car.publish(topic(vin, Channel.CONNECTION), hello, qos=1)
        # Left unlocked, so that locking it changes something.
        unlocked = encode_telemetry("unlocked", datetime.now(UTC), dict.fromkeys(DOORS, False))
        await car.publish(topic(vin, Channel.TELEMETRY), unlocked, qos=1)

        async def answer() -> None:
            async for message in car.messages:
                assert isinstance(message.payload, bytes)
                command = decode_command(message.payload)
                now = datetime.now(UTC)
                state = encode_telemetry(f"s-{command['id']}", now, dict.fromkeys(DOORS, True))
                await car.publish(topic(vin, Channel.TELEMETRY), state, qos=1)
                result = encode_result(
                    f"r-{command['id']}", now, command["id"], ok=True, code="000000", reason=None
                )
                await car.publish(topic(vin, Channel.COMMAND_RESULTS), result, qos=1)

        task = asyncio.create_task(answer())
        try:
            yield car
        finally:
            task.cancel()


async def _until(check: Callable[[], bool], within_s: float, what: str) -> None:
    for _ in range(int(within_s * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {within_s} s: {what}")


async def _told(container: Container, vin: str) -> set[str]:
    """The ids of the events of these types the outbox holds for the car."""
    async with container.store.engine.connect() as conn:
        rows = await conn.execute(
            select(events.c.id).where(events.c.vin == vin, events.c.type.in_(TYPES))
        )
        return {r.id for r in rows}


async def test_a_locked_car_is_told_signed_and_a_receiver_that_was_down_gets_all_it_missed(
    container: Container, database_url: str, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    issued = await issue_device_credential(container.services, vin)
    mqtt = free_port()
    receiver = Receiver()
    await receiver.start()
    server = await start_server(
        database_url, env={"FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{mqtt}", **FAST_RETRIES}
    )
    try:
        async with (
            httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
            _car(mqtt, vin, issued.secret) as car,
        ):
            hook = await http.post(
                HOOKS, json={"url": receiver.url, "event_types": TYPES}, headers=owner.headers
            )
            assert hook.status_code == 201, hook.text
            receiver.secret = hook.json()["secret"]
            sent = await http.post(
                f"/connected/v1/vehicles/{vin}/remote-command",
                json={"command": "lock"},
                headers=owner.headers,
            )
            assert sent.status_code == 200, sent.text
            request_id = sent.json()["requestId"]

            def locked() -> bool:
                states = receiver.of_type("vehicle.state_changed")
                return bool(receiver.of_type("command.settled")) and any(
                    s["data"]["signals"].get(LOCKED) is True for s in states
                )

            await _until(locked, 30, "the lock was told")
            [settled] = receiver.of_type("command.settled")
            assert settled["vin"] == vin and settled["data"]["requestId"] == request_id
            assert settled["data"]["status"] == "succeeded"

            # The receiver goes away; the car drives on meanwhile.
            await receiver.stop()
            for km in range(1, 6):
                reading = encode_telemetry(
                    f"d{km}", datetime.now(UTC), {"Vehicle.TraveledDistance": 1000.0 + km}
                )
                await car.publish(topic(vin, Channel.TELEMETRY), reading, qos=1)
                await asyncio.sleep(0.3)
            await asyncio.sleep(3)
            await receiver.start()

            told = await _told(container, vin)
            await _until(
                lambda: {e["id"] for e in receiver.received} >= told, 60, "every event told"
            )
            attempts = (
                await http.get(f"{HOOKS}/{hook.json()['id']}/attempts", headers=owner.headers)
            ).json()
    finally:
        await server.stop()
        await receiver.stop()

    assert receiver.unverified == 0
    assert any(a["status_code"] is None for a in attempts), "the receiver was down meanwhile"
    # Whatever order they came in, the sequence numbers put the drive back in order.
    by_sequence: dict[int, dict[str, Any]] = {e["sequence"]: e for e in receiver.received}
    odometer = [
        e["data"]["signals"]["Vehicle.TraveledDistance"]
        for _, e in sorted(by_sequence.items())
        if "Vehicle.TraveledDistance" in e["data"].get("signals", {})
    ]
    assert odometer == sorted(odometer) and odometer[-1] == 1005.0
    assert len({e["id"] for e in receiver.received}) == len(by_sequence)
