"""The embedded broker: vehicles sign in with their VIN and touch only their own topics."""

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiomqtt
import httpx
import pytest
import pytest_asyncio
from amqtt.contexts import Action

from fleetlink.telematics.broker import allowed
from fleetlink.telematics.credentials import CLOUD_USERNAME
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import Databases
from tests.live import LiveServer, free_port, start_server

VIN = "JTMAAAAA7PJ000001"
OTHER = "JTDACRAU3PJ000002"


@pytest.mark.parametrize(
    ("username", "channel", "action", "expected"),
    [
        (VIN, Channel.TELEMETRY, Action.PUBLISH, True),
        (VIN, Channel.CONNECTION, Action.PUBLISH, True),
        (VIN, Channel.COMMAND_RESULTS, Action.PUBLISH, True),
        (VIN, Channel.COMMANDS, Action.PUBLISH, False),
        (VIN, Channel.COMMANDS, Action.SUBSCRIBE, True),
        (VIN, Channel.TELEMETRY, Action.SUBSCRIBE, False),
        (OTHER, Channel.TELEMETRY, Action.PUBLISH, False),
        (OTHER, Channel.COMMANDS, Action.SUBSCRIBE, False),
        (None, Channel.TELEMETRY, Action.PUBLISH, False),
        (CLOUD_USERNAME, Channel.COMMANDS, Action.PUBLISH, True),
    ],
)
def test_a_vehicle_may_only_touch_its_own_topics(
    username: str | None, channel: Channel, action: Action, expected: bool
) -> None:
    assert allowed(username, topic(VIN, channel), action) is expected


def test_wildcards_and_foreign_topics_are_refused_to_vehicles() -> None:
    assert not allowed(VIN, "fleetlink/v1/+/commands", Action.SUBSCRIBE)
    assert not allowed(VIN, "#", Action.SUBSCRIBE)
    assert not allowed(VIN, "$SYS/broker/clients", Action.SUBSCRIBE)


async def _fleetlink(url: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetlink",
        *args,
        env={**os.environ, "FLEETLINK_DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().strip()


class Fleet:
    def __init__(self, server: LiveServer, url: str, broker_port: int) -> None:
        self.server = server
        self.url = url
        self.broker_port = broker_port
        self.token = server.printed_token()

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.server.base_url, headers={"Authorization": f"Bearer {self.token}"}
        )

    async def vins(self) -> list[str]:
        async with self.api() as api:
            return [v["vin"] for v in (await api.get("/connected/v1/vehicles")).json()["data"]]

    def vehicle(self, vin: str, password: str) -> aiomqtt.Client:
        return aiomqtt.Client(
            "127.0.0.1",
            self.broker_port,
            username=vin,
            password=password,
            identifier=vin,
        )


@pytest_asyncio.fixture
async def fleet(databases: Databases) -> AsyncIterator[Fleet]:
    url = await databases.new()
    port = free_port()
    server = await start_server(
        url,
        "--demo",
        env={
            "FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{port}",
            # What `fleetlink devices` changes reaches the server within a second.
            "FLEETLINK_DEVICE_CREDENTIAL_CACHE_SECONDS": "1",
        },
    )
    yield Fleet(server, url, port)
    await server.stop()


async def _until_admitted(fleet: Fleet, vin: str, password: str) -> None:
    """Wait until the server has learnt what another process changed (its cache expiry)."""
    for _ in range(50):
        try:
            async with fleet.vehicle(vin, password):
                return
        except aiomqtt.MqttError:
            await asyncio.sleep(0.2)
    raise AssertionError(f"{vin} was never admitted with its new password")


async def _latitude(api: httpx.AsyncClient, vin: str) -> float:
    body = (await api.get(f"/connected/v1/vehicles/{vin}/location")).json()
    latitude: float = body["latitude"]
    return latitude


def _position(lat: float) -> bytes:
    at = datetime.now(UTC) + timedelta(seconds=1)
    return encode_telemetry(
        str(uuid.uuid4()),
        at,
        {"Vehicle.CurrentLocation.Latitude": lat, "Vehicle.CurrentLocation.Longitude": 1.0},
    )


async def test_a_vehicle_with_its_password_reports_through_the_embedded_broker(
    fleet: Fleet,
) -> None:
    mine, theirs = (await fleet.vins())[:2]
    # The demo's simulator holds the credential it was issued; the operator gives a new one.
    password = await _fleetlink(fleet.url, "devices", "rotate", "--now", mine)
    await _until_admitted(fleet, mine, password)

    async with fleet.vehicle(mine, password) as car, fleet.api() as api:
        before = await _latitude(api, theirs)
        # Under someone else's VIN first: the broker drops it.
        await car.publish(topic(theirs, Channel.TELEMETRY), _position(12.5), qos=1)
        await car.publish(topic(mine, Channel.TELEMETRY), _position(42.5), qos=1)
        for _ in range(100):
            if await _latitude(api, mine) == 42.5:
                break
            await asyncio.sleep(0.1)
        mine_now, theirs_now = await _latitude(api, mine), await _latitude(api, theirs)

    assert mine_now == 42.5
    assert theirs_now == before


async def test_a_unit_revoked_by_the_cli_loses_its_session_and_is_refused(fleet: Fleet) -> None:
    vin = (await fleet.vins())[2]
    password = await _fleetlink(fleet.url, "devices", "rotate", "--now", vin)
    await _until_admitted(fleet, vin, password)

    async with fleet.vehicle(vin, password) as car:
        await car.subscribe(topic(vin, Channel.COMMANDS), qos=1)
        await _fleetlink(fleet.url, "devices", "revoke", vin)
        with pytest.raises(aiomqtt.MqttError):
            async with asyncio.timeout(10):
                async for _ in car.messages:
                    pass

    with pytest.raises(aiomqtt.MqttError):
        async with fleet.vehicle(vin, password):
            pass


async def test_a_wrong_password_is_refused(fleet: Fleet) -> None:
    vin = (await fleet.vins())[0]

    with pytest.raises(aiomqtt.MqttError):
        async with fleet.vehicle(vin, "guessed"):
            pass


async def test_a_taken_broker_port_stops_the_server_naming_both_fixes(databases: Databases) -> None:
    url = await databases.new()
    port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "fleetlink",
            "serve",
            "--port",
            str(free_port()),
            env={
                **os.environ,
                "FLEETLINK_DATABASE_URL": url,
                "FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{port}",
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)

    message = stderr.decode()
    assert process.returncode == 1
    assert "FLEETLINK_MQTT_LISTEN" in message and "FLEETLINK_MQTT_URL" in message
    assert "Traceback" not in message


async def test_the_uplink_acknowledges_what_the_broker_delivers_as_it_subscribes(
    fleet: Fleet,
) -> None:
    # The demo's vehicles connect and publish (retained connection states among it) while
    # the server's uplink subscribes. A link that waited for every SUBACK before reading
    # left those deliveries unacknowledged, and amqtt abandons a delivery after 5 s.
    await asyncio.sleep(6)

    abandoned = [line for line in fleet.server.stderr if "Timeout waiting for PUBACK" in line]
    assert not abandoned, abandoned[:3]
