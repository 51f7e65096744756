"""Through a real broker: one vehicle's poison is set aside, and the fleet is still ingested."""

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from fleetlink.bootstrap import build
from fleetlink.domain.deadletters import DeadLetter
from fleetlink.domain.vehicle import Vehicle
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services import dead_letters
from fleetlink.services.accounts import create_account
from fleetlink.services.vehicles import latest_states, register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import Databases
from tests.telematics.brokers import mosquitto
from tests.telematics.uplink import Uplink, uplink_fixture  # noqa: F401


def _poison(ts: str = "", **fields: object) -> bytes:
    now = datetime.now(UTC).isoformat()
    body = {"v": 1, "id": str(uuid.uuid4()), "ts": ts or now, **fields}
    return json.dumps(body).encode()


SPEED = {"Vehicle.Speed": 1}
POISON = [
    ("telemetry", _poison("0001-01-01T00:00:00+01:00", signals=SPEED), "bad_timestamp"),
    ("telemetry", _poison("9999-12-31T23:59:59-01:00", signals=SPEED), "bad_timestamp"),
    ("telemetry", _poison("9999-12-31T23:59:59Z", signals=SPEED), "from_future"),
    (
        "telemetry",
        _poison(signals=SPEED).replace(b"}}", b'},"x":' + b"[" * 20_000 + b"]" * 20_000 + b"}"),
        "too_deep",
    ),
    ("telemetry", _poison(signals=SPEED, id="a\x00b"), "bad_text"),
    ("telemetry", _poison(signals=SPEED, id="\ud800"), "bad_text"),
    ("events", _poison(event="warning_light_on", data={"name": "a\x00"}), "bad_text"),
    (
        "events",
        _poison(event="service_performed", data={"category": "c", "description": "\x00"}),
        "bad_text",
    ),
]


def _sample(value: float) -> bytes:
    at = datetime.now(UTC)
    return encode_telemetry(str(uuid.uuid4()), at, {"Vehicle.TraveledDistance": value})


async def _until_odometer(uplink: Uplink, vehicle: Vehicle, value: float) -> None:
    for _ in range(200):
        state = (await latest_states(uplink.container.services, uplink.owner)).get(vehicle.vin)
        if state is not None and state.odometer_km == value:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{vehicle.vin} never reported {value} km")


async def _letters(uplink: Uplink, count: int) -> list[DeadLetter]:
    """The newest dead letters, once there are count (set aside just after the batch commits)."""
    for _ in range(200):
        letters = await dead_letters.newest(uplink.container.services)
        if len(letters) >= count:
            return letters
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} dead letters: {letters}")


def _dead_lettered(reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "fleetlink_mqtt_messages_dead_lettered_total", {"reason": reason}
    )
    return value or 0.0


def _skipped() -> float:
    return REGISTRY.get_sample_value("fleetlink_mqtt_dead_letters_skipped_total") or 0.0


async def _until_counted(done: Callable[[], bool]) -> None:
    """Wait for the link to count a batch's letters: it stores the batch's samples, then its
    letters, then counts them, so a sample stored says nothing yet of its batch's letters."""
    for _ in range(200):
        if done():
            return
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("channel", "payload", "reason"),
    POISON,
    # Named as pytest names the others: a short payload's own id holds the time it was made,
    # and pytest-xdist's workers must collect the same ids.
    ids=[f"{channel}-payload{i}-{reason}" for i, (channel, _, reason) in enumerate(POISON)],
)
async def test_a_poisoned_message_is_set_aside_and_every_vehicle_still_stored(
    uplink: Uplink, channel: str, payload: bytes, reason: str
) -> None:
    bad, good, _ = uplink.vehicles
    counted = _dead_lettered(reason)

    async with uplink.car(bad) as car:
        await car.publish(f"fleetlink/v1/{bad.vin}/{channel}", payload, qos=1)
        await car.publish(topic(bad.vin, Channel.TELEMETRY), _sample(11.0), qos=1)
    async with uplink.car(good) as car:
        await car.publish(topic(good.vin, Channel.TELEMETRY), _sample(22.0), qos=1)
    await _until_odometer(uplink, good, 22.0)
    await _until_odometer(uplink, bad, 11.0)
    await _until_counted(lambda: _dead_lettered(reason) > counted)

    [letter] = await _letters(uplink, 1)
    assert (letter.vin, letter.reason, letter.payload) == (bad.vin, reason, payload)
    assert letter.topic == f"fleetlink/v1/{bad.vin}/{channel}"
    assert letter.error
    assert _dead_lettered(reason) == counted + 1
    assert not uplink.running.done()


async def test_an_unknown_signal_costs_only_itself(uplink: Uplink) -> None:
    vehicle = uplink.vehicles[0]
    payload = encode_telemetry(
        str(uuid.uuid4()),
        datetime.now(UTC) - timedelta(seconds=1),
        {"Vehicle.TraveledDistance": 33.0, "Vehicle.Exterior.AirTemperature": 12.5},
    )
    before = REGISTRY.get_sample_value(
        "fleetlink_mqtt_unknown_signals_total", {"signal": "Vehicle.Exterior.AirTemperature"}
    )

    async with uplink.car(vehicle) as car:
        await car.publish(topic(vehicle.vin, Channel.TELEMETRY), payload, qos=1)
    await _until_odometer(uplink, vehicle, 33.0)

    after = REGISTRY.get_sample_value(
        "fleetlink_mqtt_unknown_signals_total", {"signal": "Vehicle.Exterior.AirTemperature"}
    )
    assert after == (before or 0.0) + 1
    assert await dead_letters.newest(uplink.container.services) == []


async def test_a_poisoned_message_on_an_external_broker_is_not_delivered_again(
    databases: Databases, tmp_path: Path
) -> None:
    """It was: unacknowledged, the broker gave it again after every restart, for ever."""
    async with mosquitto(tmp_path) as broker:
        settings = Settings(
            database_url=await databases.new(),
            mqtt_url=f"mqtt://{broker.host}:{broker.port}",
            mqtt_client_id=f"cloud-{uuid.uuid4().hex[:8]}",
        )
        container = build(settings)
        await container.start()
        link = container.telematics
        assert link is not None
        try:
            owner = await create_account(container.services, "ops@example.com", "long-enough")
            [vehicle] = await register_vehicles(
                container.services,
                owner,
                [as_new_vehicle(g) for g in generate_fleet(19, 1, datetime.now(UTC))],
            )
            for restart in range(2):
                running = asyncio.create_task(link.run())
                await asyncio.wait_for(link.connected.wait(), 15)
                if restart == 0:
                    async with broker.client(identifier=vehicle.vin) as car:
                        _, poison, _ = POISON[0]
                        await car.publish(topic(vehicle.vin, Channel.TELEMETRY), poison, qos=1)
                        await car.publish(
                            topic(vehicle.vin, Channel.TELEMETRY), _sample(5.0), qos=1
                        )
                uplink = Uplink(container, owner, [vehicle], running, passwords={})
                await _until_odometer(uplink, vehicle, 5.0)
                await asyncio.sleep(1)  # room for a redelivery, were there one
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
            letters = await dead_letters.newest(container.services)
        finally:
            await container.close()
            async with broker.client(identifier=settings.mqtt_client_id, clean_session=True):
                pass

    assert [d.reason for d in letters] == ["bad_timestamp"], "set aside once, acknowledged"


async def test_a_flood_of_bad_messages_keeps_a_few_letters_and_the_fleet_is_stored(
    uplink: Uplink,
) -> None:
    bad, good, _ = uplink.vehicles
    skipped = REGISTRY.get_sample_value("fleetlink_mqtt_dead_letters_skipped_total") or 0.0
    counted = _dead_lettered("not_json") + skipped

    async with uplink.car(bad) as car:
        for _ in range(200):
            await car.publish(topic(bad.vin, Channel.TELEMETRY), b"{not json", qos=1)
    async with uplink.car(good) as car:
        await car.publish(topic(good.vin, Channel.TELEMETRY), _sample(44.0), qos=1)
    await _until_odometer(uplink, good, 44.0)
    await _until_counted(lambda: _dead_lettered("not_json") + _skipped() >= counted + 200)

    # Each batch's letters are set aside just after its good messages commit.
    for _ in range(200):
        letters = await dead_letters.newest(uplink.container.services, 1000)
        now_skipped = REGISTRY.get_sample_value("fleetlink_mqtt_dead_letters_skipped_total")
        if len(letters) + (now_skipped or 0.0) - skipped >= 200:
            break
        await asyncio.sleep(0.05)
    assert {d.vin for d in letters} == {bad.vin}
    assert len(letters) < 200, "a few per batch, not the whole flood"
    assert len(letters) + (now_skipped or 0.0) - skipped == 200, "every one counted"
