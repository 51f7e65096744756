"""The cloud's uplink over the embedded broker, with a registered fleet (import the fixture)."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiomqtt
import pytest_asyncio

from fleetlink.bootstrap import Container, build
from fleetlink.domain.accounts import Account
from fleetlink.domain.vehicle import Vehicle
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.devices import issue_device_credential
from fleetlink.services.vehicles import register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from tests.conftest import Databases
from tests.live import free_port


@dataclass
class Uplink:
    container: Container
    owner: Account
    vehicles: list[Vehicle]
    running: "asyncio.Task[None]"
    # Each vehicle's device password, by VIN.
    passwords: dict[str, str]

    def car(self, vehicle: Vehicle) -> aiomqtt.Client:
        broker = self.container.broker
        assert broker is not None
        return aiomqtt.Client(
            broker.host,
            broker.port,
            username=vehicle.vin,
            password=self.passwords[vehicle.vin],
            identifier=vehicle.vin,
        )


@pytest_asyncio.fixture(name="uplink")
async def uplink_fixture(databases: Databases) -> AsyncIterator[Uplink]:
    """A started container whose link runs, with three vehicles of one owner."""
    settings = Settings(
        database_url=await databases.new(),
        mqtt_listen=f"127.0.0.1:{free_port()}",
        command_timeout_seconds=60,
    )
    container = build(settings)
    await container.start()
    await container.start_broker()
    owner = await create_account(container.services, "fleet@example.com", "long-enough")
    vehicles = await register_vehicles(
        container.services,
        owner,
        [as_new_vehicle(g) for g in generate_fleet(11, 3, datetime.now(UTC))],
    )
    passwords = {
        v.vin: (await issue_device_credential(container.services, v.vin)).secret for v in vehicles
    }
    assert container.telematics is not None
    running = asyncio.create_task(container.telematics.run())
    try:
        await asyncio.wait_for(container.telematics.connected.wait(), 15)
        yield Uplink(container, owner, vehicles, running, passwords)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await container.close()
