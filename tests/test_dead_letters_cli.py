"""An operator reads, replays and purges dead letters with the CLI, as a user runs it."""

import uuid
from datetime import UTC, datetime, timedelta

from fleetlink.bootstrap import build
from fleetlink.domain.deadletters import DeadLetter
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services import dead_letters
from fleetlink.services.accounts import create_account
from fleetlink.services.vehicles import latest_states, register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import Databases
from tests.test_cli import fleetlink

NOW = datetime.now(UTC).replace(microsecond=0)


def _letter(vin: str, payload: bytes, reason: str, age: timedelta = timedelta()) -> DeadLetter:
    at = NOW - age
    return DeadLetter(
        str(uuid.uuid4()), topic(vin, Channel.TELEMETRY), vin, reason, "why", payload, at, at
    )


async def test_an_operator_lists_shows_replays_and_purges_dead_letters(
    databases: Databases,
) -> None:
    url = await databases.new()
    container = build(Settings(database_url=url))
    await container.start()
    try:
        owner = await create_account(container.services, "ops@example.com", "long-enough")
        [vehicle] = await register_vehicles(
            container.services, owner, [as_new_vehicle(g) for g in generate_fleet(3, 1, NOW)]
        )
        vin = vehicle.vin
        # A sample set aside while its vehicle's store was misbehaving: good now.
        good = _letter(
            vin, encode_telemetry("m-1", NOW, {"Vehicle.TraveledDistance": 77.0}), "store_failed"
        )
        broken = _letter(vin, b'{"v":1,"id":"x\\u0000"}', "bad_text", timedelta(minutes=1))
        old = _letter(vin, b"\xff\xfe", "not_json", timedelta(days=3))
        await dead_letters.set_aside(container.services, [good, broken, old])

        listed = await fleetlink(url, "dead-letters", "list")
        shown = await fleetlink(url, "dead-letters", "show", broken.id)
        missing = await fleetlink(url, "dead-letters", "show", str(uuid.uuid4()))
        replayed = await fleetlink(url, "dead-letters", "replay", good.id, broken.id)
        state = (await latest_states(container.services, owner))[vin]
        refused = await fleetlink(url, "dead-letters", "purge")
        purged_old = await fleetlink(
            url, "dead-letters", "purge", "--before", (NOW - timedelta(days=1)).isoformat()
        )
        left = await dead_letters.newest(container.services)
        purged_all = await fleetlink(url, "dead-letters", "purge", "--all")
        after = await dead_letters.newest(container.services)
    finally:
        await container.close()

    assert listed.code == 0, listed.stderr
    assert "3 dead letters" in listed.stdout and "bad_text: 1" in listed.stdout
    assert shown.code == 0 and "bad_text" in shown.stdout and '"x\\u0000"' in shown.stdout
    assert missing.code == 1 and "no dead letter" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert replayed.code == 0 and "stored 1, still failing 1" in replayed.stdout
    assert state.odometer_km == 77.0
    assert refused.code == 2 and "--all" in refused.stderr
    assert purged_old.code == 0 and "purged 1" in purged_old.stdout
    assert [(d.id, d.reason, d.replays) for d in left] == [(broken.id, "bad_text", 1)]
    assert purged_all.code == 0 and "purged 1" in purged_all.stdout
    assert after == []
