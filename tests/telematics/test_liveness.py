"""The cloud notices a session that is connected but hears nothing: its own probe is lost."""

import asyncio
import signal
from pathlib import Path

import aiomqtt
import pytest
from amqtt.contexts import Action

from fleetlink.telematics.broker import allowed
from fleetlink.telematics.credentials import CLOUD_USERNAME
from fleetlink.telematics.liveness import probe_topic, watch_liveness
from tests.telematics.brokers import BOTH, Start, embedded, mosquitto

VIN = "JTMAAAAA7PJ000001"
CLOUD_ID = "fleetlink-cloud"


@pytest.mark.parametrize("action", [Action.PUBLISH, Action.SUBSCRIBE, Action.RECEIVE])
def test_the_probe_topic_is_the_clouds_alone(action: Action) -> None:
    assert allowed(CLOUD_USERNAME, probe_topic(CLOUD_ID), action)
    assert not allowed(VIN, probe_topic(CLOUD_ID), action)
    assert not allowed(VIN, probe_topic(VIN), action)


@pytest.mark.parametrize("client_id", ["fleetlink/cloud", "eu+1", "#", "x" * 200, "é"])
def test_a_client_id_unfit_for_a_topic_gets_a_probe_topic_of_one_level(client_id: str) -> None:
    name = probe_topic(client_id)
    assert name.startswith("fleetlink/cloud/liveness/")
    assert name.count("/") == 3 and "+" not in name and "#" not in name
    assert name != probe_topic(client_id + "2")


@pytest.mark.parametrize("start", BOTH, ids=["embedded", "mosquitto"])
async def test_a_healthy_session_hears_its_probes_and_its_messages_see_none(
    start: Start, tmp_path: Path
) -> None:
    async with (
        start(tmp_path) as broker,
        broker.client(CLOUD_USERNAME, CLOUD_ID, clean_session=False) as cloud,
    ):
        watching = asyncio.create_task(watch_liveness(cloud, CLOUD_ID, interval_s=0.1))
        delivered: list[str] = []
        try:
            async with asyncio.timeout(2):
                async for message in cloud.messages:
                    delivered.append(message.topic.value)
        except TimeoutError:
            pass
        still_watching = not watching.done()
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)

    assert still_watching  # twenty rounds, every probe back
    assert delivered == []  # what the link reads as uplink holds no probe


async def test_a_vehicle_cannot_watch_or_fake_the_clouds_probe() -> None:
    async with embedded() as broker, broker.client(VIN, VIN) as car:
        with pytest.raises(aiomqtt.MqttError, match="refused"):
            await watch_liveness(car, CLOUD_ID)


async def test_a_frozen_broker_is_noticed_by_the_probe_long_before_the_keepalive(
    tmp_path: Path,
) -> None:
    # The socket stays open while the broker is stopped: the client alone notices nothing
    # until its keepalive runs out (90 s with aiomqtt's default of 60 s).
    async with (
        mosquitto(tmp_path) as broker,
        broker.client(CLOUD_USERNAME, CLOUD_ID, clean_session=False) as cloud,
    ):
        assert broker.process is not None
        await cloud.subscribe("fleetlink/v1/+/telemetry", qos=1)

        async def read() -> None:
            async for _ in cloud.messages:
                pass

        reading = asyncio.create_task(read())
        watching = asyncio.create_task(watch_liveness(cloud, CLOUD_ID, interval_s=0.2, timeout_s=1))
        await asyncio.sleep(0.5)
        broker.process.send_signal(signal.SIGSTOP)
        try:
            done, _ = await asyncio.wait([watching], timeout=3)
            reader_noticed = reading.done()
        finally:
            broker.process.send_signal(signal.SIGCONT)
            for task in (reading, watching):
                task.cancel()
            await asyncio.gather(reading, watching, return_exceptions=True)

    assert done == {watching}
    assert isinstance(watching.exception(), aiomqtt.MqttError)
    assert not reader_noticed
