"""A command reaches a vehicle that comes back online, whatever the broker did meanwhile."""

import asyncio
import signal
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt

from fleetlink.bootstrap import build
from fleetlink.domain.commands import Command, CommandKind, CommandRequest, CommandStatus
from fleetlink.domain.vehicle import ConnectionState, Vehicle
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.commands import get_command, send_command
from fleetlink.services.vehicles import get_vehicle, register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.telematics.codec import decode_command
from fleetlink.telematics.encoding import encode_connection
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import Databases
from tests.telematics.brokers import mosquitto
from tests.telematics.uplink import Uplink, uplink_fixture  # noqa: F401


async def _come_online(car: aiomqtt.Client, vin: str) -> None:
    """What a unit does on connecting: listen for commands, then say it is online."""
    await car.subscribe(topic(vin, Channel.COMMANDS), qos=1)
    online = encode_connection(str(uuid.uuid4()), datetime.now(UTC), ConnectionState.ONLINE)
    await car.publish(topic(vin, Channel.CONNECTION), online, qos=1, retain=True)


async def _next_command(car: aiomqtt.Client, seconds: float = 10) -> str:
    message = await asyncio.wait_for(anext(aiter(car.messages)), seconds)
    assert isinstance(message.payload, bytes)
    return str(decode_command(message.payload)["id"])


async def _send(uplink: Uplink, vehicle: Vehicle) -> Command:
    request = CommandRequest.remote(CommandKind.HORN, 1)
    return await send_command(uplink.container.services, uplink.owner, vehicle.vin, request)


async def _status(uplink: Uplink, vehicle: Vehicle, command: Command) -> CommandStatus:
    services = uplink.container.services
    return (await get_command(services, uplink.owner, vehicle.vin, command.id)).status


async def test_a_command_to_an_offline_vehicle_goes_out_when_it_says_online(
    uplink: Uplink,
) -> None:
    vehicle = uplink.vehicles[0]

    command = await _send(uplink, vehicle)
    waiting = await _status(uplink, vehicle, command)
    async with uplink.car(vehicle) as car:
        await _come_online(car, vehicle.vin)
        received = await _next_command(car)

    assert waiting is CommandStatus.PENDING, "nobody to send it to yet"
    assert received == command.id


async def test_a_command_sent_while_the_vehicle_was_away_reaches_it_after_a_broker_restart(
    uplink: Uplink,
) -> None:
    vehicle, broker, link = uplink.vehicles[0], uplink.container.broker, uplink.container.telematics
    assert broker is not None and link is not None
    async with uplink.car(vehicle) as car:
        await _come_online(car, vehicle.vin)
        first = await _send(uplink, vehicle)
        assert await _next_command(car) == first.id
        await broker.stop()
    await broker.start()
    # The cloud is back before the vehicle, as it was when commands were lost.
    await asyncio.wait_for(link.connected.wait(), 15)
    command = await _send(uplink, vehicle)

    async with uplink.car(vehicle) as car:
        await _come_online(car, vehicle.vin)
        received: set[str] = set()
        while not {first.id, command.id} <= received:  # repeats may come: it ignores them
            received.add(await _next_command(car))

    # The first was never answered either: it goes out again, and the vehicle ignores repeats.
    assert received == {first.id, command.id}


async def test_an_unanswered_command_is_sent_again_on_the_vehicles_next_online(
    uplink: Uplink,
) -> None:
    vehicle = uplink.vehicles[1]
    async with uplink.car(vehicle) as car:
        await _come_online(car, vehicle.vin)
        command = await _send(uplink, vehicle)
        first = await _next_command(car)
    for _ in range(100):
        if await _status(uplink, vehicle, command) is CommandStatus.SENT:
            break
        await asyncio.sleep(0.05)

    async with uplink.car(vehicle) as car:
        await _come_online(car, vehicle.vin)
        again = await _next_command(car)

    assert first == again == command.id
    assert await _status(uplink, vehicle, command) is CommandStatus.SENT


async def test_a_frozen_broker_holds_no_command_request_and_loses_no_command(
    databases: Databases, tmp_path: Path
) -> None:
    async with mosquitto(tmp_path) as broker:
        assert broker.process is not None
        settings = Settings(
            database_url=await databases.new(),
            mqtt_url=f"mqtt://{broker.host}:{broker.port}",
            mqtt_client_id=f"cloud-{uuid.uuid4().hex[:8]}",
            command_timeout_seconds=120,
        )
        container = build(settings)
        await container.start()
        link = container.telematics
        assert link is not None
        running = asyncio.create_task(link.run())
        try:
            owner = await create_account(container.services, "ops@example.com", "long-enough")
            [vehicle] = await register_vehicles(
                container.services,
                owner,
                [as_new_vehicle(g) for g in generate_fleet(17, 1, datetime.now(UTC))],
            )
            await asyncio.wait_for(link.connected.wait(), 15)
            async with broker.client(identifier=vehicle.vin) as car:
                await _come_online(car, vehicle.vin)
                for _ in range(100):
                    if (await get_vehicle(container.services, owner, vehicle.vin)).is_connected:
                        break
                    await asyncio.sleep(0.05)

                broker.process.send_signal(signal.SIGSTOP)
                request = CommandRequest.remote(CommandKind.HORN, 1)
                # Answered at once, though the broker will not acknowledge anything.
                command = await asyncio.wait_for(
                    send_command(container.services, owner, vehicle.vin, request), 3
                )
                for _ in range(300):  # the link's probe notices within its timeout
                    if not link.connected.is_set():
                        break
                    await asyncio.sleep(0.1)
                noticed = not link.connected.is_set()
                broker.process.send_signal(signal.SIGCONT)
                received = await _next_command(car, 60)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            await container.close()

    assert noticed, "a frozen broker is a lost session"
    assert received == command.id
