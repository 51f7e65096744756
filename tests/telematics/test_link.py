"""End to end through a real broker (the machine's Mosquitto): a vehicle publishes and the
API shows it; commands travel to the vehicle and back; a restart loses nothing."""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiomqtt
import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from fleetlink.bootstrap import build
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.settings import Settings
from fleetlink.storage.tables import vehicle_messages
from fleetlink.telematics.codec import decode_command
from fleetlink.telematics.encoding import (
    LAST_WILL,
    encode_connection,
    encode_result,
    encode_telemetry,
)
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import Databases, service_unavailable
from tests.live import LiveServer, start_server

BROKER = ("127.0.0.1", 1883)
DOORS = ["Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide"]


@pytest.fixture
def mosquitto() -> str:
    try:
        socket.create_connection(BROKER, timeout=1).close()
    except OSError as exc:
        service_unavailable(f"Mosquitto is not reachable at {BROKER[0]}:{BROKER[1]}: {exc}")
    return f"mqtt://{BROKER[0]}:{BROKER[1]}"


class Cloud:
    """A fleetlink server on a database of its own, with its own MQTT session."""

    def __init__(self, url: str, mqtt: str, client_id: str) -> None:
        self.database_url = url
        self.mqtt = mqtt
        self.client_id = client_id
        self.server: LiveServer | None = None
        self.token = ""

    async def start(self, *args: str, env: dict[str, str] | None = None) -> LiveServer:
        self.server = await start_server(
            self.database_url,
            *args,
            env={
                **(env or {}),
                "FLEETLINK_MQTT_URL": self.mqtt,
                "FLEETLINK_MQTT_CLIENT_ID": self.client_id,
                "FLEETLINK_COMMAND_TIMEOUT_SECONDS": "3",
                # The test plays the vehicles; the demo's own would talk over it.
                "FLEETLINK_DEMO_SIMULATE": "false",
            },
        )
        if "--demo" in args:
            self.token = self.server.printed_token()
        await self.wait_for_subscription()
        return self.server

    async def wait_for_subscription(self) -> None:
        assert self.server is not None
        async with httpx.AsyncClient(base_url=self.server.base_url) as client:
            for _ in range(100):
                if "fleetlink_mqtt_connected 1.0" in (await client.get("/metrics")).text:
                    return
                await asyncio.sleep(0.1)
        raise AssertionError("the server never connected to the broker")

    def api(self) -> httpx.AsyncClient:
        assert self.server is not None
        return httpx.AsyncClient(
            base_url=self.server.base_url, headers={"Authorization": f"Bearer {self.token}"}
        )

    async def stored_messages(self, prefix: str) -> int:
        """How many messages whose id starts with prefix are in the store."""
        container = build(Settings(database_url=self.database_url))
        try:
            async with container.store.engine.connect() as conn:
                count = await conn.execute(
                    select(func.count())
                    .select_from(vehicle_messages)
                    .where(vehicle_messages.c.message_id.startswith(prefix))
                )
                return int(count.scalar_one())
        finally:
            await container.close()


@pytest_asyncio.fixture
async def cloud(databases: Databases, mosquitto: str) -> AsyncIterator[Cloud]:
    made = Cloud(await databases.new(), mosquitto, f"fleetlink-test-{uuid.uuid4().hex[:8]}")
    yield made
    if made.server is not None:
        await made.server.stop()
    # Leave no persistent session behind on the shared broker.
    async with aiomqtt.Client(*BROKER, identifier=made.client_id, clean_session=True):
        pass


async def _vins(cloud: Cloud) -> list[str]:
    async with cloud.api() as api:
        return [v["vin"] for v in (await api.get("/connected/v1/vehicles")).json()["data"]]


async def _poll(api: httpx.AsyncClient, path: str, key: str, expected: object) -> dict[str, object]:
    body: dict[str, object] = {}
    for _ in range(100):
        body = (await api.get(path)).json()
        if body.get(key) == expected:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path}: {key} never became {expected!r}; last {body}")


def _vehicle(vin: str) -> aiomqtt.Client:
    return aiomqtt.Client(
        *BROKER,
        identifier=f"{vin}-{uuid.uuid4().hex[:6]}",
        will=aiomqtt.Will(topic(vin, Channel.CONNECTION), LAST_WILL, qos=1, retain=True),
    )


async def test_what_a_vehicle_publishes_shows_in_the_api(cloud: Cloud) -> None:
    await cloud.start("--demo")
    vin = (await _vins(cloud))[0]
    at = datetime.now(UTC) + timedelta(seconds=1)

    async with _vehicle(vin) as car, cloud.api() as api:
        await car.publish(
            topic(vin, Channel.CONNECTION),
            encode_connection(str(uuid.uuid4()), at, ConnectionState.ONLINE),
            qos=1,
            retain=True,
        )
        await car.publish(
            topic(vin, Channel.TELEMETRY),
            encode_telemetry(
                str(uuid.uuid4()),
                at,
                {
                    "Vehicle.CurrentLocation.Latitude": 48.8584,
                    "Vehicle.CurrentLocation.Longitude": 2.2945,
                    "Vehicle.IsMoving": False,
                },
            ),
            qos=1,
        )
        position = await _poll(api, f"/connected/v1/vehicles/{vin}/location", "latitude", 48.8584)
        vehicle = await _poll(api, f"/connected/v1/vehicles/{vin}", "isConnected", True)
        # Clear the retained state so the next test's servers start from nothing.
        await car.publish(topic(vin, Channel.CONNECTION), b"", qos=1, retain=True)

    assert position["longitude"] == 2.2945
    assert vehicle["lastConnectedAt"] is not None


async def _come_online(car: aiomqtt.Client, api: httpx.AsyncClient, vin: str) -> None:
    """Do what a unit does on connecting: listen for commands, then say it is online."""
    await car.subscribe(topic(vin, Channel.COMMANDS), qos=1)
    at = datetime.now(UTC) + timedelta(seconds=1)
    await car.publish(
        topic(vin, Channel.CONNECTION),
        encode_connection(str(uuid.uuid4()), at, ConnectionState.ONLINE),
        qos=1,
        retain=True,
    )
    await _poll(api, f"/connected/v1/vehicles/{vin}", "isConnected", True)


async def _forget_retained(car: aiomqtt.Client, vin: str) -> None:
    await car.publish(topic(vin, Channel.CONNECTION), b"", qos=1, retain=True)


async def test_a_lock_command_reaches_the_vehicle_and_comes_back_succeeded(cloud: Cloud) -> None:
    await cloud.start("--demo")
    vin = (await _vins(cloud))[0]

    async with _vehicle(vin) as car, cloud.api() as api:
        await _come_online(car, api, vin)
        sent = await api.post(
            f"/connected/v1/vehicles/{vin}/remote-command", json={"command": "lock"}
        )
        request_id = sent.json()["requestId"]
        message = await asyncio.wait_for(anext(aiter(car.messages)), timeout=10)
        assert isinstance(message.payload, bytes)
        command = decode_command(message.payload)
        now = datetime.now(UTC) + timedelta(seconds=1)
        await car.publish(
            topic(vin, Channel.TELEMETRY),
            encode_telemetry(
                str(uuid.uuid4()), now, {f"Vehicle.Cabin.Door.{d}.IsLocked": True for d in DOORS}
            ),
            qos=1,
        )
        await car.publish(
            topic(vin, Channel.COMMAND_RESULTS),
            encode_result(
                str(uuid.uuid4()), now, command["id"], ok=True, code="000000", reason=None
            ),
            qos=1,
        )
        state = await _poll(
            api, f"/connected/v1/vehicles/{vin}/commands/{request_id}", "status", "succeeded"
        )
        status = await _poll(api, f"/connected/v1/vehicles/{vin}/status", "doorsLocked", True)
        await _forget_retained(car, vin)

    assert command["id"] == request_id and command["command"] == "lock"
    assert state["returnCode"] == "000000"
    assert status["lastUpdatedAt"] is not None


async def test_a_command_to_a_vehicle_that_never_answers_expires(cloud: Cloud) -> None:
    await cloud.start("--demo")
    vin = (await _vins(cloud))[1]

    async with _vehicle(vin) as car, cloud.api() as api:
        await _come_online(car, api, vin)
        sent = await api.post(
            f"/connected/v1/vehicles/{vin}/remote-command", json={"command": "horn"}
        )
        request_id = sent.json()["requestId"]
        first = await _poll(
            api, f"/connected/v1/vehicles/{vin}/commands/{request_id}", "status", "sent"
        )
        await asyncio.sleep(3.5)
        later = (await api.get(f"/connected/v1/vehicles/{vin}/commands/{request_id}")).json()
        await _forget_retained(car, vin)

    assert first["status"] == "sent", "published to the broker, never answered"
    assert later["status"] == "expired"


async def test_malformed_messages_are_counted_and_ingestion_goes_on(cloud: Cloud) -> None:
    await cloud.start("--demo")
    vin = (await _vins(cloud))[2]
    at = datetime.now(UTC) + timedelta(seconds=1)

    async with _vehicle(vin) as car, cloud.api() as api:
        await car.publish(topic(vin, Channel.TELEMETRY), b"{not json", qos=1)
        await car.publish(
            topic(vin, Channel.TELEMETRY),
            encode_telemetry(str(uuid.uuid4()), at, {"Vehicle.Speed": 9000}),
            qos=1,
        )
        await car.publish(
            topic(vin, Channel.TELEMETRY),
            encode_telemetry(
                str(uuid.uuid4()),
                at,
                {
                    "Vehicle.CurrentLocation.Latitude": 10.5,
                    "Vehicle.CurrentLocation.Longitude": 20.5,
                },
            ),
            qos=1,
        )
        await _poll(api, f"/connected/v1/vehicles/{vin}/location", "latitude", 10.5)
        metrics = (await api.get("/metrics")).text

    assert 'fleetlink_mqtt_messages_dropped_total{reason="not_json"} 1.0' in metrics
    assert 'fleetlink_mqtt_messages_dropped_total{reason="out_of_range"} 1.0' in metrics


async def test_a_restart_in_the_middle_of_a_stream_loses_no_message(cloud: Cloud) -> None:
    server = await cloud.start("--demo")
    vin = (await _vins(cloud))[3]
    start = datetime.now(UTC) + timedelta(seconds=1)
    total = 300

    async with _vehicle(vin) as car:
        for i in range(total):
            if i == total // 3:
                server.process.kill()  # a crash, not a clean stop
                await server.process.wait()
            await car.publish(
                topic(vin, Channel.TELEMETRY),
                encode_telemetry(
                    f"stream-{i}",
                    start + timedelta(seconds=i),
                    {"Vehicle.TraveledDistance": 100.0 + i},
                ),
                qos=1,
            )
    await cloud.start()
    for _ in range(100):
        if await cloud.stored_messages("stream-") >= total:
            break
        await asyncio.sleep(0.1)

    assert await cloud.stored_messages("stream-") == total


async def test_servers_sharing_one_broker_split_the_uplink_and_store_each_message_once(
    databases: Databases, mosquitto: str
) -> None:
    url = await databases.new()
    group = f"fleetlink-{uuid.uuid4().hex[:6]}"
    clouds = [Cloud(url, mosquitto, f"{group}-{n}") for n in range(2)]
    env = {"FLEETLINK_MQTT_SHARED_GROUP": group}
    total = 200
    try:
        await clouds[0].start("--demo", env=env)
        await clouds[1].start("--demo", env=env)
        vin = (await _vins(clouds[0]))[4]
        start = datetime.now(UTC) + timedelta(seconds=1)
        async with _vehicle(vin) as car:
            for i in range(total):
                await car.publish(
                    topic(vin, Channel.TELEMETRY),
                    encode_telemetry(
                        f"shared-{i}", start + timedelta(seconds=i), {"Vehicle.Speed": 10.0}
                    ),
                    qos=1,
                )
        for _ in range(100):
            if await clouds[0].stored_messages("shared-") >= total:
                break
            await asyncio.sleep(0.1)
        received = []
        for cloud in clouds:
            assert cloud.server is not None
            async with httpx.AsyncClient(base_url=cloud.server.base_url) as client:
                metrics = (await client.get("/metrics")).text
            line = next(
                line
                for line in metrics.splitlines()
                if line.startswith('fleetlink_mqtt_messages_received_total{channel="telemetry"}')
            )
            received.append(float(line.split()[-1]))
        stored = await clouds[0].stored_messages("shared-")
    finally:
        for cloud in clouds:
            if cloud.server is not None:
                await cloud.server.stop()
            async with aiomqtt.Client(*BROKER, identifier=cloud.client_id, clean_session=True):
                pass

    assert stored == total
    assert all(count > 0 for count in received), f"both servers took a share: {received}"
