"""On the embedded broker a vehicle hears only its own commands and signs in only as itself."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiomqtt
import pytest
import pytest_asyncio

from fleetlink.telematics.broker import may_use_client_id
from fleetlink.telematics.credentials import CLOUD_USERNAME
from fleetlink.telematics.topics import Channel, topic, uplink_filters
from tests.telematics.brokers import BOTH, BrokerUnderTest, Start, embedded

MINE = "JTMAAAAA7PJ000001"
THEIRS = "5TFLA5DBXRXA00002"
CLOUD_ID = "fleetlink-cloud"
ONLINE = b'{"v":1,"state":"online"}'


@pytest_asyncio.fixture
async def embedded_broker() -> AsyncIterator[BrokerUnderTest]:
    async with embedded() as broker:
        yield broker


async def _collect(client: aiomqtt.Client, seconds: float) -> list[tuple[str, bytes]]:
    """What the broker delivers to client within seconds."""
    got: list[tuple[str, bytes]] = []
    try:
        async with asyncio.timeout(seconds):
            async for message in client.messages:
                assert isinstance(message.payload, bytes)
                got.append((message.topic.value, message.payload))
    except TimeoutError:
        pass
    return got


def _refused(granted: object) -> bool:
    code = getattr(granted, "value", granted)
    assert isinstance(code, int)
    return code >= 0x80


async def _retain_online(broker: BrokerUnderTest, vin: str) -> None:
    async with broker.client(vin, vin) as car:
        await car.publish(topic(vin, Channel.CONNECTION), ONLINE, qos=1, retain=True)


async def _cloud(broker: BrokerUnderTest) -> aiomqtt.Client:
    """The cloud's session as the link opens it: persistent, on every vehicle's uplink."""
    cloud = broker.client(CLOUD_USERNAME, CLOUD_ID, clean_session=False)
    await cloud.__aenter__()
    await cloud.subscribe([(pattern, 1) for pattern in uplink_filters()])
    return cloud


async def test_a_vehicle_that_subscribes_to_nothing_receives_nothing(
    embedded_broker: BrokerUnderTest,
) -> None:
    # amqtt sends a new session the retained messages of every filter anyone holds: the
    # cloud's fleetlink/v1/+/connection made every car see the whole fleet's state.
    cloud = await _cloud(embedded_broker)
    try:
        await _retain_online(embedded_broker, THEIRS)
        async with embedded_broker.client(MINE, MINE) as car:
            got = await _collect(car, 1.0)
    finally:
        await cloud.__aexit__(None, None, None)

    assert got == []


@pytest.mark.parametrize(
    "wanted",
    [
        "#",
        "fleetlink/#",
        "fleetlink/v1/+/connection",
        "fleetlink/v1/+/commands",
        f"fleetlink/v1/{THEIRS}/connection",
        f"fleetlink/v1/{THEIRS}/commands",
        f"fleetlink/v1/{MINE}/connection",
        "+/+/+/+",
    ],
)
async def test_a_vehicle_refused_a_subscription_receives_nothing_through_it(
    embedded_broker: BrokerUnderTest, wanted: str
) -> None:
    cloud = await _cloud(embedded_broker)
    try:
        await _retain_online(embedded_broker, THEIRS)
        await _retain_online(embedded_broker, MINE)
        async with embedded_broker.client(MINE, MINE) as car:
            [granted] = await car.subscribe(wanted, qos=1)
            await cloud.publish(topic(THEIRS, Channel.COMMANDS), b"{}", qos=1)
            got = await _collect(car, 1.0)
    finally:
        await cloud.__aexit__(None, None, None)

    assert _refused(granted)
    assert got == []


async def test_a_vehicle_receives_its_own_commands_and_no_one_elses(
    embedded_broker: BrokerUnderTest,
) -> None:
    cloud = await _cloud(embedded_broker)
    try:
        async with embedded_broker.client(MINE, MINE) as car:
            [granted] = await car.subscribe(topic(MINE, Channel.COMMANDS), qos=1)
            await cloud.publish(topic(THEIRS, Channel.COMMANDS), b'{"for":"them"}', qos=1)
            await cloud.publish(topic(MINE, Channel.COMMANDS), b'{"for":"me"}', qos=1)
            got = await _collect(car, 1.0)
    finally:
        await cloud.__aexit__(None, None, None)

    assert not _refused(granted)
    assert got == [(topic(MINE, Channel.COMMANDS), b'{"for":"me"}')]


@pytest.mark.parametrize("channel", [Channel.COMMANDS, Channel.TELEMETRY, Channel.CONNECTION])
async def test_a_vehicle_cannot_leave_a_will_on_another_vehicles_topics(
    embedded_broker: BrokerUnderTest, channel: Channel
) -> None:
    forger = embedded_broker.client(
        THEIRS, THEIRS, will=aiomqtt.Will(topic(MINE, channel), b'{"forged":"unlock"}', 1, True)
    )
    with pytest.raises(aiomqtt.MqttError):
        async with forger:
            pass  # accepted, its dropped connection would publish the will
    async with embedded_broker.client(MINE, MINE) as car:
        await car.subscribe(topic(MINE, Channel.COMMANDS), qos=1)
        got = await _collect(car, 1.0)

    assert got == []


async def test_a_vehicle_leaves_its_will_on_its_own_connection_topic(
    embedded_broker: BrokerUnderTest,
) -> None:
    will = aiomqtt.Will(topic(MINE, Channel.CONNECTION), b'{"v":1,"state":"offline"}', 1, True)
    async with embedded_broker.client(MINE, MINE, will=will) as car:
        await car.publish(topic(MINE, Channel.CONNECTION), ONLINE, qos=1, retain=True)
    cloud = await _cloud(embedded_broker)
    try:
        got = await _collect(cloud, 1.0)
    finally:
        await cloud.__aexit__(None, None, None)

    assert (topic(MINE, Channel.CONNECTION), ONLINE) in got, "its connection was accepted"


async def test_the_cloud_receives_the_retained_connection_states_it_subscribes_to(
    embedded_broker: BrokerUnderTest,
) -> None:
    await _retain_online(embedded_broker, MINE)
    await _retain_online(embedded_broker, THEIRS)

    cloud = await _cloud(embedded_broker)
    try:
        got = await _collect(cloud, 1.0)
    finally:
        await cloud.__aexit__(None, None, None)

    assert sorted(got) == sorted(
        [(topic(MINE, Channel.CONNECTION), ONLINE), (topic(THEIRS, Channel.CONNECTION), ONLINE)]
    )


@pytest.mark.parametrize(
    ("username", "client_id", "expected"),
    [
        (MINE, MINE, True),
        (MINE, THEIRS, False),
        (MINE, CLOUD_ID, False),
        (MINE, f"vehicle-{MINE}", False),
        (MINE, "", False),
        (MINE, None, False),
        (CLOUD_USERNAME, CLOUD_ID, True),
        (CLOUD_USERNAME, "fleetlink-cloud-eu-2", True),
        (None, CLOUD_ID, False),
    ],
)
def test_only_the_cloud_chooses_its_client_id(
    username: str | None, client_id: str | None, expected: bool
) -> None:
    assert may_use_client_id(username, client_id) is expected


@pytest.mark.parametrize("identifier", [THEIRS, CLOUD_ID, f"vehicle-{MINE}", "", None])
async def test_a_vehicle_may_sign_in_only_under_its_own_vin(
    embedded_broker: BrokerUnderTest, identifier: str | None
) -> None:
    with pytest.raises(aiomqtt.MqttError):
        async with embedded_broker.client(MINE, identifier):
            pass


@pytest.mark.parametrize("password", [None, "guessed"], ids=["own password", "wrong password"])
async def test_a_vehicle_under_the_clouds_client_id_leaves_the_clouds_session_alone(
    embedded_broker: BrokerUnderTest, password: str | None
) -> None:
    # amqtt discarded the session of a client id (subscriptions and all) before it checked
    # the password of whoever asked for a clean one, and left the cloud connected and deaf.
    cloud = await _cloud(embedded_broker)
    try:
        with pytest.raises(aiomqtt.MqttError):
            async with embedded_broker.client(
                MINE, CLOUD_ID, password=password, clean_session=True
            ):
                pass
        async with embedded_broker.client(MINE, MINE) as car:
            await car.publish(topic(MINE, Channel.TELEMETRY), b"{}", qos=1)
        got = await _collect(cloud, 1.0)
    finally:
        await cloud.__aexit__(None, None, None)

    assert got == [(topic(MINE, Channel.TELEMETRY), b"{}")]


@pytest.mark.parametrize("clean_session", [True, False], ids=["clean", "persistent"])
@pytest.mark.parametrize("start", BOTH, ids=["embedded", "mosquitto"])
async def test_the_cloud_notices_when_its_client_id_is_taken_over(
    start: Start, clean_session: bool, tmp_path: Path
) -> None:
    # Two servers configured with one FLEETLINK_MQTT_CLIENT_ID, or an operator clearing the
    # session by hand: the one taken over must lose its connection, not its subscriptions.
    async with start(tmp_path) as broker:
        cloud = await _cloud(broker)
        try:
            async with broker.client(CLOUD_USERNAME, CLOUD_ID, clean_session=clean_session):
                with pytest.raises(aiomqtt.MqttError):
                    await _collect(cloud, 3.0)
        finally:
            await cloud.__aexit__(None, None, None)
