"""Device credentials at the embedded broker: issued, rotated, revoked, cached, counted."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiomqtt
import pytest
import pytest_asyncio
from sqlalchemy import event

from fleetlink.bootstrap import Container, build
from fleetlink.domain.vehicle import Vehicle
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.devices import (
    device_credential,
    issue_device_credential,
    revoke_device_credential,
    rotate_device_credential,
)
from fleetlink.services.vehicles import register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.telematics import metrics
from fleetlink.telematics.credentials import password_for
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import Databases, listened_engines
from tests.live import free_port

# Short, so that what another process changes is seen within a test's patience.
CACHE_S = 0.5
UNREGISTERED = "JTMAAAAA7PJ000001"


@dataclass
class Cloud:
    container: Container
    url: str
    vehicles: list[Vehicle]

    def car(self, vin: str, password: str) -> aiomqtt.Client:
        broker = self.container.broker
        assert broker is not None
        return aiomqtt.Client(
            broker.host, broker.port, username=vin, password=password, identifier=vin
        )

    async def signs_in(self, vin: str, password: str) -> bool:
        try:
            async with self.car(vin, password):
                return True
        except aiomqtt.MqttError:
            return False


async def _cloud(url: str, **settings: Any) -> Container:
    container = build(
        Settings(
            database_url=url,
            mqtt_listen=f"127.0.0.1:{free_port()}",
            device_credential_cache_seconds=CACHE_S,
            **settings,
        )
    )
    await container.start()
    await container.start_broker()
    return container


@pytest_asyncio.fixture
async def cloud(databases: Databases) -> AsyncIterator[Cloud]:
    url = await databases.new()
    container = await _cloud(url)
    owner = await create_account(container.services, "fleet@example.com", "long-enough")
    vehicles = await register_vehicles(
        container.services,
        owner,
        [as_new_vehicle(g) for g in generate_fleet(3, 3, datetime.now(UTC))],
    )
    try:
        yield Cloud(container, url, vehicles)
    finally:
        await container.close()


def _refusals(reason: str) -> float:
    count: float = metrics.SIGN_INS_REFUSED.labels(reason)._value.get()
    return count


async def _closed(car: aiomqtt.Client, within_s: float) -> bool:
    """Whether car's connection ends within within_s."""
    try:
        async with asyncio.timeout(within_s):
            async for _ in car.messages:
                pass
    except aiomqtt.MqttError:
        return True
    except TimeoutError:
        return False
    return True


async def test_a_unit_signs_in_with_the_password_issued_to_it_and_no_other(cloud: Cloud) -> None:
    vin = cloud.vehicles[0].vin
    issued = await issue_device_credential(cloud.container.services, vin)

    assert await cloud.signs_in(vin, issued.secret)
    assert not await cloud.signs_in(vin, issued.secret[:-1] + "x")
    assert not await cloud.signs_in(cloud.vehicles[1].vin, issued.secret)


async def test_the_store_keeps_only_a_digest_of_the_password(cloud: Cloud) -> None:
    vin = cloud.vehicles[0].vin
    issued = await issue_device_credential(cloud.container.services, vin)

    async with cloud.container.store.engine.connect() as conn:
        rows = (await conn.exec_driver_sql("SELECT * FROM device_credentials")).all()

    assert len(rows) == 1
    assert not any(issued.secret in str(column) for column in rows[0])


async def test_an_unregistered_unit_is_refused_at_sign_in_and_counted(cloud: Cloud) -> None:
    registered_without = cloud.vehicles[0].vin
    before = _refusals("unregistered")

    refused_stranger = not await cloud.signs_in(UNREGISTERED, "anything-at-all")
    refused_registered = not await cloud.signs_in(registered_without, "anything-at-all")

    assert refused_stranger and refused_registered
    assert _refusals("unregistered") == before + 2


async def test_revoking_closes_the_live_session_and_refuses_the_next_sign_in(cloud: Cloud) -> None:
    vin = cloud.vehicles[0].vin
    issued = await issue_device_credential(cloud.container.services, vin)
    before = _refusals("revoked")

    async with cloud.car(vin, issued.secret) as car:
        await car.subscribe(topic(vin, Channel.COMMANDS), qos=1)
        await revoke_device_credential(cloud.container.services, vin)
        closed = await _closed(car, 2)

    assert closed
    assert not await cloud.signs_in(vin, issued.secret)
    assert _refusals("revoked") == before + 1


async def test_a_revocation_by_another_process_closes_the_session_within_the_cache_expiry(
    cloud: Cloud,
) -> None:
    vin = cloud.vehicles[0].vin
    issued = await issue_device_credential(cloud.container.services, vin)
    broker = cloud.container.broker
    assert broker is not None
    watching = asyncio.create_task(broker.gate.watch())
    # Another process on the same store, as `fleetlink devices revoke` is.
    operator = build(Settings(database_url=cloud.url, mqtt_listen=f"127.0.0.1:{free_port()}"))
    await operator.start()
    try:
        async with cloud.car(vin, issued.secret) as car:
            await car.subscribe(topic(vin, Channel.COMMANDS), qos=1)
            await revoke_device_credential(operator.services, vin)
            closed = await _closed(car, 4 * CACHE_S + 2)
    finally:
        await operator.close()
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)

    assert closed
    assert not await cloud.signs_in(vin, issued.secret)


async def test_a_rotation_retires_the_old_password_when_the_new_one_is_first_used(
    cloud: Cloud,
) -> None:
    vin = cloud.vehicles[0].vin
    old = await issue_device_credential(cloud.container.services, vin)
    new = await rotate_device_credential(cloud.container.services, vin)

    old_still_works = await cloud.signs_in(vin, old.secret)
    new_works = await cloud.signs_in(vin, new.secret)
    old_after = await cloud.signs_in(vin, old.secret)
    stored = await device_credential(cloud.container.services, vin)

    assert old_still_works and new_works and not old_after
    assert stored is not None and stored.pending_hash is None
    assert await cloud.signs_in(vin, new.secret)


async def test_rotating_now_refuses_the_old_password_and_closes_its_session(cloud: Cloud) -> None:
    vin = cloud.vehicles[0].vin
    old = await issue_device_credential(cloud.container.services, vin)

    async with cloud.car(vin, old.secret) as car:
        await car.subscribe(topic(vin, Channel.COMMANDS), qos=1)
        new = await rotate_device_credential(cloud.container.services, vin, immediately=True)
        closed = await _closed(car, 2)

    assert closed
    assert not await cloud.signs_in(vin, old.secret)
    assert await cloud.signs_in(vin, new.secret)


async def test_sign_ins_within_the_cache_expiry_ask_the_store_nothing(cloud: Cloud) -> None:
    vin = cloud.vehicles[0].vin
    issued = await issue_device_credential(cloud.container.services, vin)
    queries: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "device_credentials" in statement:
            queries.append(statement)

    # Reads and writes go through different engines on SQLite (storage/inline_sqlite.py).
    engines = listened_engines(cloud.container.store)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        await asyncio.sleep(CACHE_S)  # what issuing cached has expired
        first = await cloud.signs_in(vin, issued.secret)
        after_first = len(queries)
        again = [await cloud.signs_in(vin, issued.secret) for _ in range(3)]
        after_again = len(queries)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)

    assert first and all(again)
    assert after_first == 1
    assert after_again == after_first


@pytest.mark.parametrize("transition", [False, True])
async def test_derived_passwords_sign_in_only_in_transition_and_only_until_issued(
    databases: Databases, transition: bool
) -> None:
    container = await _cloud(await databases.new(), mqtt_derived_passwords=transition)
    try:
        owner = await create_account(container.services, "fleet@example.com", "long-enough")
        [vehicle] = await register_vehicles(
            container.services,
            owner,
            [as_new_vehicle(g) for g in generate_fleet(4, 1, datetime.now(UTC))],
        )
        cloud = Cloud(container, "", [vehicle])
        derived = password_for(container.broker.gate.key, vehicle.vin)  # type: ignore[union-attr]

        before_issue = await cloud.signs_in(vehicle.vin, derived)
        await issue_device_credential(container.services, vehicle.vin)
        after_issue = await cloud.signs_in(vehicle.vin, derived)
    finally:
        await container.close()

    assert before_issue is transition
    assert not after_issue
