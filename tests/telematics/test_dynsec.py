"""Device credentials in an external Mosquitto, provisioned through its dynamic security.

Each test starts a Mosquitto of its own on a free port with the plugin loaded; the
machine's shared Mosquitto is never touched.
"""

import asyncio
import getpass
import glob
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import pytest
import pytest_asyncio

from fleetlink.bootstrap import Container, build
from fleetlink.domain.errors import Unavailable
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
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import Databases, service_unavailable
from tests.live import free_port
from tests.telematics.brokers import _MOSQUITTO_PATH, mosquitto

ADMIN, ADMIN_PASSWORD = "fleetlink-admin", "admin-password-of-the-test"
PLUGIN_GLOBS = (
    "/usr/lib/*/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
    "/usr/local/lib/mosquitto_dynamic_security.so",
)


@dataclass(frozen=True)
class Mosquitto:
    port: int

    def client(self, username: str, password: str, identifier: str) -> aiomqtt.Client:
        return aiomqtt.Client(
            "127.0.0.1", self.port, username=username, password=password, identifier=identifier
        )

    async def signs_in(self, vin: str, password: str) -> bool:
        try:
            async with self.client(vin, password, vin):
                return True
        except aiomqtt.MqttError:
            return False


def _dynsec_config(directory: Path) -> Path:
    """The plugin's state: an admin who manages it and may also act as the cloud."""
    path = directory / "dynamic-security.json"
    ctrl = shutil.which("mosquitto_ctrl", path=_MOSQUITTO_PATH)
    if ctrl is None:
        service_unavailable("mosquitto_ctrl is not installed")
    subprocess.run(
        [str(ctrl), "dynsec", "init", str(path), ADMIN, ADMIN_PASSWORD],
        check=True,
        capture_output=True,
    )
    state = json.loads(path.read_text())
    # As docs/telematics.md tells a deployment: the cloud publishes commands and probes.
    for role in state["roles"]:
        if role["rolename"] == "admin":
            role["acls"].append(
                {"acltype": "publishClientSend", "topic": "fleetlink/#", "allow": True}
            )
    path.write_text(json.dumps(state))
    return path


@pytest_asyncio.fixture
async def dynsec(tmp_path: Path) -> AsyncIterator[Mosquitto]:
    plugins = [found for pattern in PLUGIN_GLOBS for found in glob.glob(pattern)]
    if not plugins:
        service_unavailable("Mosquitto's dynamic-security plugin is not installed")
    lines = (
        f"allow_anonymous false\nplugin {plugins[0]}\n"
        f"plugin_opt_config_file {_dynsec_config(tmp_path)}\n"
        # Started as root, Mosquitto becomes the user `mosquitto`, who may not read the
        # test's private directory; as anyone else, this line changes nothing.
        f"user {getpass.getuser()}\n"
    )
    async with mosquitto(tmp_path, config_lines=lines) as broker:
        yield Mosquitto(broker.port)


async def _provisioning(url: str, mqtt_url: str) -> tuple[Container, Vehicle, Vehicle]:
    container = build(Settings(database_url=url, mqtt_url=mqtt_url, mqtt_dynsec=True))
    await container.start()
    owner = await create_account(container.services, "fleet@example.com", "long-enough")
    mine, other = await register_vehicles(
        container.services,
        owner,
        [as_new_vehicle(g) for g in generate_fleet(8, 2, datetime.now(UTC))],
    )
    return container, mine, other


@pytest_asyncio.fixture
async def cloud(
    databases: Databases, dynsec: Mosquitto
) -> AsyncIterator[tuple[Container, Vehicle, Vehicle]]:
    made = await _provisioning(
        await databases.new(), f"mqtt://{ADMIN}:{ADMIN_PASSWORD}@127.0.0.1:{dynsec.port}"
    )
    try:
        yield made
    finally:
        await made[0].close()


async def _telemetry_seen(dynsec: Mosquitto, car: aiomqtt.Client, vins: list[str]) -> set[str]:
    """Which of vins' telemetry topics the cloud hears car publish on."""
    async with dynsec.client(ADMIN, ADMIN_PASSWORD, "fleetlink-cloud-test") as cloud:
        await cloud.subscribe("fleetlink/v1/+/telemetry", qos=1)
        body = encode_telemetry("m-1", datetime.now(UTC), {"Vehicle.Speed": 1.0})
        for vin in vins:
            await car.publish(topic(vin, Channel.TELEMETRY), body, qos=1)
        await car.publish(topic(vins[0], Channel.EVENTS), b"{}", qos=1)  # a fence
        heard: set[str] = set()
        async with asyncio.timeout(5):
            async for message in cloud.messages:
                heard.add(message.topic.value.split("/")[2])
                if vins[0] in heard:
                    await asyncio.sleep(0.3)  # anything else would have come by now
                    break
        while True:
            try:
                async with asyncio.timeout(0.1):
                    message = await anext(aiter(cloud.messages))
                heard.add(message.topic.value.split("/")[2])
            except TimeoutError:
                return heard


async def test_an_issued_vehicle_signs_in_to_mosquitto_and_touches_only_its_own_topics(
    cloud: tuple[Container, Vehicle, Vehicle], dynsec: Mosquitto
) -> None:
    container, mine, other = cloud
    issued = await issue_device_credential(container.services, mine.vin)

    assert not await dynsec.signs_in(mine.vin, "guessed")
    assert not await dynsec.signs_in(other.vin, issued.secret)
    async with dynsec.client(mine.vin, issued.secret, mine.vin) as car:
        own = await car.subscribe(topic(mine.vin, Channel.COMMANDS), qos=1)
        foreign = await car.subscribe(topic(other.vin, Channel.COMMANDS), qos=1)
        heard = await _telemetry_seen(dynsec, car, [mine.vin, other.vin])

    assert heard == {mine.vin}
    assert own[0] == 1
    assert foreign[0] >= 0x80


async def test_rotation_and_revocation_reach_mosquitto(
    cloud: tuple[Container, Vehicle, Vehicle], dynsec: Mosquitto
) -> None:
    container, mine, _ = cloud
    first = await issue_device_credential(container.services, mine.vin)
    second = await rotate_device_credential(container.services, mine.vin)

    # Mosquitto keeps one password per client: there a rotation takes effect at once.
    assert not await dynsec.signs_in(mine.vin, first.secret)
    async with dynsec.client(mine.vin, second.secret, mine.vin) as car:
        await car.subscribe(topic(mine.vin, Channel.COMMANDS), qos=1)
        await revoke_device_credential(container.services, mine.vin)
        with pytest.raises(aiomqtt.MqttError):
            async with asyncio.timeout(5):
                async for _ in car.messages:
                    pass
    refused_after_revocation = not await dynsec.signs_in(mine.vin, second.secret)
    third = await issue_device_credential(container.services, mine.vin)

    assert refused_after_revocation
    assert await dynsec.signs_in(mine.vin, third.secret)


async def test_rotating_now_ends_the_session_made_with_the_old_password(
    cloud: tuple[Container, Vehicle, Vehicle], dynsec: Mosquitto
) -> None:
    container, mine, _ = cloud
    old = await issue_device_credential(container.services, mine.vin)

    async with dynsec.client(mine.vin, old.secret, mine.vin) as car:
        await car.subscribe(topic(mine.vin, Channel.COMMANDS), qos=1)
        new = await rotate_device_credential(container.services, mine.vin, immediately=True)
        with pytest.raises(aiomqtt.MqttError):
            async with asyncio.timeout(5):
                async for _ in car.messages:
                    pass

    assert not await dynsec.signs_in(mine.vin, old.secret)
    assert await dynsec.signs_in(mine.vin, new.secret)


async def test_a_change_mosquitto_does_not_take_is_not_stored(databases: Databases) -> None:
    nobody = f"mqtt://{ADMIN}:{ADMIN_PASSWORD}@127.0.0.1:{free_port()}"
    container, mine, _ = await _provisioning(await databases.new(), nobody)
    try:
        with pytest.raises(Unavailable, match="dynamic security"):
            await issue_device_credential(container.services, mine.vin)
        stored = await device_credential(container.services, mine.vin)
    finally:
        await container.close()

    assert stored is None
