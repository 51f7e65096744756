"""Run simulated vehicles over MQTT, each its own session, exactly as real units would."""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiomqtt
import structlog

from fleetlink.simulator.model import SimVehicle
from fleetlink.telematics.codec import decode_command
from fleetlink.telematics.encoding import LAST_WILL, Uplink
from fleetlink.telematics.payload import MalformedMessage
from fleetlink.telematics.topics import Channel, topic

log = structlog.get_logger(__name__)
RECONNECT_DELAY_S = 2.0


@dataclass(frozen=True, slots=True)
class SimClock:
    """Simulated time: starts at start, runs time_scale times faster than the wall clock."""

    start: datetime
    time_scale: float
    _origin: float

    @classmethod
    def starting(cls, start: datetime, time_scale: float) -> "SimClock":
        return cls(start, time_scale, time.monotonic())

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin) * self.time_scale
        return self.start + timedelta(seconds=elapsed)


class FleetRunner:
    """Drives vehicles: advances each model, publishes what it says, answers commands."""

    def __init__(
        self,
        vehicles: Sequence[SimVehicle],
        host: str,
        port: int,
        clock: SimClock,
        *,
        password: Callable[[str], str | None] = lambda _vin: None,
        tick_s: float = 1.0,
    ) -> None:
        self._vehicles = vehicles
        self._host, self._port = host, port
        self._clock = clock
        self._password = password
        self._tick = tick_s
        self.published = 0

    async def run(self) -> None:
        """Run every vehicle until cancelled."""
        async with asyncio.TaskGroup() as group:
            for vehicle in self._vehicles:
                group.create_task(self._keep_running(vehicle), name=vehicle.vin)

    async def _keep_running(self, vehicle: SimVehicle) -> None:
        while True:
            try:
                await self._session(vehicle)
            except* aiomqtt.MqttError as errors:
                # One vehicle's lost connection (raised inside its session's task group)
                # must not take the rest of the fleet down with it.
                log.warning(
                    "simulator.disconnected", vin=vehicle.vin, error=str(errors.exceptions[0])
                )
            await asyncio.sleep(RECONNECT_DELAY_S)

    async def _publish(self, client: aiomqtt.Client, vin: str, out: Sequence[Uplink]) -> None:
        for message in out:
            await client.publish(
                topic(vin, message.channel),
                message.payload,
                qos=1,
                retain=message.channel is Channel.CONNECTION,
            )
            self.published += 1

    async def _session(self, vehicle: SimVehicle) -> None:
        client = aiomqtt.Client(
            self._host,
            self._port,
            username=vehicle.vin,
            password=self._password(vehicle.vin),
            identifier=vehicle.vin,
            will=aiomqtt.Will(topic(vehicle.vin, Channel.CONNECTION), LAST_WILL, 1, True),
        )
        async with client:
            await client.subscribe(topic(vehicle.vin, Channel.COMMANDS), qos=1)
            await self._publish(client, vehicle.vin, vehicle.hello(self._clock.now()))
            async with asyncio.TaskGroup() as group:
                group.create_task(self._commands(client, vehicle))
                group.create_task(self._live(client, vehicle))

    async def _live(self, client: aiomqtt.Client, vehicle: SimVehicle) -> None:
        while True:
            await self._publish(client, vehicle.vin, vehicle.advance(self._clock.now()))
            await asyncio.sleep(self._tick)

    async def _commands(self, client: aiomqtt.Client, vehicle: SimVehicle) -> None:
        async for message in client.messages:
            payload = message.payload
            try:
                if not isinstance(payload, bytes):
                    raise MalformedMessage("not_bytes", type(payload).__name__)
                command = decode_command(payload)
            except MalformedMessage as exc:
                log.warning("simulator.bad_command", vin=vehicle.vin, reason=exc.reason)
                continue
            now = self._clock.now()
            if now > datetime.fromisoformat(command["expires_at"]):
                continue  # too late: the cloud has given up on it
            # Catch up to now first, so the answer carries the current time.
            await self._publish(client, vehicle.vin, vehicle.advance(now))
            await self._publish(client, vehicle.vin, vehicle.handle(command))
