"""The live stream through real HTTP from a real server: a vehicle's MQTT message in, its
event out as Server-Sent Events; resumed with Last-Event-ID; closed when the server stops."""

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiomqtt
import httpx

from fleetlink.bootstrap import Container
from fleetlink.services.devices import issue_device_credential
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import OwnerFactory
from tests.live import LiveServer, free_port, start_server

STREAM = "/fleetlink/v1/events/stream"


class Frames:
    """The stream's frames as a client reads them, parsed."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()
        self.comments: list[str] = []

    async def next_event(self, within_s: float = 30) -> tuple[str, dict[str, Any]]:
        """The next event's id and body (comments and retry hints kept aside)."""
        async with asyncio.timeout(within_s):
            fields: dict[str, str] = {}
            async for line in self._lines:
                if line.startswith(":"):
                    self.comments.append(line)
                elif line:
                    name, _, value = line.partition(": ")
                    fields[name] = value
                elif "data" in fields:
                    return fields["id"], json.loads(fields["data"])
                else:
                    fields = {}
        raise AssertionError("the stream ended")

    async def rest(self, within_s: float = 30) -> list[str]:
        """Everything until the server closes the stream."""
        async with asyncio.timeout(within_s):
            return [line async for line in self._lines]


@asynccontextmanager
async def _stream(
    server: LiveServer, headers: dict[str, str], last: str | None = None
) -> AsyncIterator[Frames]:
    sent = {**headers, **({"Last-Event-ID": last} if last else {})}
    async with (
        httpx.AsyncClient(base_url=server.base_url, timeout=60) as http,
        http.stream("GET", STREAM, headers=sent) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Frames(response)


async def _drive(port: int, vin: str, password: str, mid: str, odometer: float) -> None:
    """Report an odometer reading as the vehicle's unit does, over MQTT."""
    async with aiomqtt.Client(
        "127.0.0.1", port, username=vin, password=password, identifier=vin
    ) as car:
        payload = encode_telemetry(mid, datetime.now(UTC), {"Vehicle.TraveledDistance": odometer})
        await car.publish(topic(vin, Channel.TELEMETRY), payload, qos=1)


async def test_a_vehicles_message_reaches_the_stream_which_resumes_and_closes_cleanly(
    container: Container, database_url: str, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    car = owner.vehicles[0]
    issued = await issue_device_credential(container.services, car.vin)
    mqtt = free_port()
    server = await start_server(database_url, env={"FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{mqtt}"})
    try:
        async with _stream(server, owner.headers) as frames:
            await asyncio.sleep(1.5)  # the stream reads from where it stands when it opens
            await _drive(mqtt, car.vin, issued.secret, "m1", 1234.5)
            first_id, first = await frames.next_event()
            while first["type"] != "vehicle.state_changed":
                first_id, first = await frames.next_event()
        assert first["vin"] == car.vin
        assert first["data"]["signals"]["Vehicle.TraveledDistance"] == 1234.5

        # Away for a while: what happened meanwhile comes first when it reconnects.
        await _drive(mqtt, car.vin, issued.secret, "m2", 1240.0)
        async with _stream(server, owner.headers, last=first_id) as frames:
            missed_id, missed = await frames.next_event()
            while missed["type"] != "vehicle.state_changed":
                missed_id, missed = await frames.next_event()
            assert missed["data"]["signals"]["Vehicle.TraveledDistance"] == 1240.0
            assert int(missed_id) > int(first_id) and missed["sequence"] > first["sequence"]

            began = time.monotonic()
            code = await server.stop()
            rest = await frames.rest()
            took = time.monotonic() - began
        # Ended by SIGTERM (uvicorn raises it again once shut down), not killed: the open
        # stream closed without holding the graceful shutdown up.
        assert code in (0, -signal.SIGTERM)
        assert took < 10
        assert not any(line.startswith("data:") for line in rest)
    finally:
        await server.stop()
