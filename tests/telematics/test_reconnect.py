"""The uplink outlives its broker: when the broker goes and comes back, it reconnects."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiomqtt
import pytest_asyncio

from fleetlink.bootstrap import Container, build
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.devices import issue_device_credential
from fleetlink.services.vehicles import latest_states, register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.link import BrokerAddress, TelematicsLink
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import Databases
from tests.live import free_port


@pytest_asyncio.fixture
async def cloud(databases: Databases) -> AsyncIterator[Container]:
    settings = Settings(database_url=await databases.new(), mqtt_listen=f"127.0.0.1:{free_port()}")
    container = build(settings)
    await container.start()
    await container.start_broker()
    try:
        yield container
    finally:
        await container.close()


async def _until(condition: asyncio.Event, seconds: float) -> None:
    await asyncio.wait_for(condition.wait(), seconds)


async def test_the_uplink_reconnects_when_the_broker_comes_back(cloud: Container) -> None:
    link, broker = cloud.telematics, cloud.broker
    assert link is not None and broker is not None
    owner = await create_account(cloud.services, "fleet@example.com", "long-enough")
    [vehicle] = await register_vehicles(
        cloud.services, owner, [as_new_vehicle(g) for g in generate_fleet(5, 1, datetime.now(UTC))]
    )
    password = (await issue_device_credential(cloud.services, vehicle.vin)).secret
    running = asyncio.create_task(link.run())
    try:
        await _until(link.connected, 10)

        await broker.stop()
        for _ in range(100):
            if not link.connected.is_set():
                break
            await asyncio.sleep(0.05)
        await broker.start()
        await _until(link.connected, 15)
        async with aiomqtt.Client(
            broker.host,
            broker.port,
            username=vehicle.vin,
            password=password,
            identifier=vehicle.vin,
        ) as car:
            payload = encode_telemetry(
                str(uuid.uuid4()), datetime.now(UTC), {"Vehicle.TraveledDistance": 4321.0}
            )
            await car.publish(topic(vehicle.vin, Channel.TELEMETRY), payload, qos=1)
        for _ in range(100):
            state = (await latest_states(cloud.services, owner)).get(vehicle.vin)
            if state is not None and state.odometer_km == 4321.0:
                break
            await asyncio.sleep(0.05)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    assert state is not None and state.odometer_km == 4321.0


async def test_a_link_whose_subscription_is_refused_does_not_count_as_connected(
    cloud: Container,
) -> None:
    broker = cloud.broker
    assert broker is not None
    owner = await create_account(cloud.services, "fleet@example.com", "long-enough")
    [vehicle] = await register_vehicles(
        cloud.services, owner, [as_new_vehicle(g) for g in generate_fleet(5, 1, datetime.now(UTC))]
    )
    vin = vehicle.vin
    password = (await issue_device_credential(cloud.services, vin)).secret
    # Signed in as a vehicle, which may not read the other vehicles' uplink.
    address = BrokerAddress(broker.host, broker.port, username=vin, password=password)
    link = TelematicsLink(cloud.services, address, client_id=vin)
    running = asyncio.create_task(link.run())
    try:
        await asyncio.sleep(3)  # the broker answers a SUBSCRIBE in milliseconds
        connected = link.connected.is_set()
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    assert not connected
