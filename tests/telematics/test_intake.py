"""One message costs only itself: whatever a vehicle sends, the rest of the batch is stored."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func, select, text

from fleetlink.bootstrap import Container
from fleetlink.domain.accounts import Account
from fleetlink.domain.vehicle import Vehicle
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.vehicles import latest_states, register_vehicles
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.storage.tables import vehicle_messages
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.intake import Incoming, Intake
from fleetlink.telematics.topics import Channel, topic

# Now, not a fixed date: raw messages older than the retention are not kept at all.
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Fleet:
    container: Container
    owner: Account
    bad: Vehicle
    good: Vehicle


@pytest_asyncio.fixture
async def fleet(container: Container) -> Fleet:
    owner = await create_account(container.services, f"{uuid.uuid4().hex}@example.com", "x" * 12)
    bad, good = await register_vehicles(
        container.services, owner, [as_new_vehicle(g) for g in generate_fleet(8, 2, NOW)]
    )
    return Fleet(container, owner, bad, good)


def _good(vin: str, odometer: float, at: datetime = NOW) -> Incoming:
    payload = encode_telemetry(str(uuid.uuid4()), at, {"Vehicle.TraveledDistance": odometer})
    return Incoming(topic(vin, Channel.TELEMETRY), payload, NOW)


def _body(**fields: object) -> bytes:
    body = {"v": 1, "id": "poison", "ts": NOW.isoformat(), **fields}
    return json.dumps(body).encode()


def _deep(levels: int) -> bytes:
    return _body(signals={"Vehicle.Speed": 1}).replace(
        b"}}", b'}, "x": ' + b"[" * levels + b"]" * levels + b"}"
    )


POISON = {
    "calendar start": (
        "telemetry",
        _body(signals={"Vehicle.Speed": 1}, ts="0001-01-01T00:00:00+01:00"),
    ),
    "calendar end": (
        "telemetry",
        _body(signals={"Vehicle.Speed": 1}, ts="9999-12-31T23:59:59-01:00"),
    ),
    "far future": ("telemetry", _body(signals={"Vehicle.Speed": 1}, ts="9999-12-31T23:59:59Z")),
    "nested 20,000 deep": ("telemetry", _deep(20_000)),
    "NUL in the id": ("telemetry", _body(signals={"Vehicle.Speed": 1}, id="a\x00b")),
    "lone surrogate in the id": ("telemetry", _body(signals={"Vehicle.Speed": 1}, id="\ud800")),
    "NUL in a light's name": (
        "events",
        _body(event="warning_light_on", data={"name": "oil\x00", "severity": "warning"}),
    ),
    "NUL in a service description": (
        "events",
        _body(event="service_performed", data={"category": "oil", "description": "a\x00b"}),
    ),
    "surrogate in a result's reason": (
        "command-results",
        _body(command_id="c", status="failed", code="1", reason="\udfff"),
    ),
    "not JSON": ("telemetry", b"\xff\xfe{"),
}

POISON_REASONS = {
    "calendar start": "bad_timestamp",
    "calendar end": "bad_timestamp",
    "far future": "from_future",
    "nested 20,000 deep": "too_deep",
    "NUL in the id": "bad_text",
    "lone surrogate in the id": "bad_text",
    "NUL in a light's name": "bad_text",
    "NUL in a service description": "bad_text",
    "surrogate in a result's reason": "bad_text",
    "not JSON": "not_json",
}


async def _stored(container: Container, vehicle: Vehicle) -> int:
    async with container.store.engine.connect() as conn:
        count = await conn.execute(
            select(func.count())
            .select_from(vehicle_messages)
            .where(vehicle_messages.c.vehicle_id == vehicle.id)
        )
        return int(count.scalar_one())


@pytest.mark.parametrize("name", sorted(POISON))
async def test_a_poisoned_message_costs_only_itself(fleet: Fleet, name: str) -> None:
    channel, payload = POISON[name]
    batch = [
        _good(fleet.good.vin, 100.0),
        Incoming(f"fleetlink/v1/{fleet.bad.vin}/{channel}", payload, NOW),
        _good(fleet.bad.vin, 200.0, NOW + timedelta(seconds=1)),
        _good(fleet.good.vin, 101.0, NOW + timedelta(seconds=1)),
    ]

    taken = await Intake(fleet.container.services).take(batch)

    assert [(r.index, r.reason) for r in taken.refused] == [(1, POISON_REASONS[name])]
    assert taken.refused[0].error
    states = await latest_states(fleet.container.services, fleet.owner)
    assert states[fleet.good.vin].odometer_km == 101.0
    assert states[fleet.bad.vin].odometer_km == 200.0


async def test_a_sample_from_the_far_future_cannot_pin_the_state(fleet: Fleet) -> None:
    intake = Intake(fleet.container.services)
    future = encode_telemetry("future", datetime(9999, 12, 31, tzinfo=UTC), {"Vehicle.Speed": 9})

    await intake.take([Incoming(topic(fleet.bad.vin, Channel.TELEMETRY), future, NOW)])
    await intake.take([_good(fleet.bad.vin, 300.0, NOW + timedelta(minutes=1))])

    state = (await latest_states(fleet.container.services, fleet.owner))[fleet.bad.vin]
    assert state.odometer_km == 300.0
    assert state.reported_at == NOW + timedelta(minutes=1)


@pytest_asyncio.fixture
async def refusing_store(fleet: Fleet) -> AsyncIterator[Fleet]:
    """The database itself refuses one message id, as it would a value it cannot keep."""
    engine = fleet.container.store.engine
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(
                text(
                    "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused by the database'; END $$ LANGUAGE plpgsql"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON vehicle_messages "
                    "FOR EACH ROW WHEN (NEW.message_id = 'poison') "
                    "EXECUTE FUNCTION refuse_poison()"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON vehicle_messages "
                    "WHEN NEW.message_id = 'poison' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"
                )
            )
    try:
        yield fleet
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("DROP TRIGGER refuse_poison ON vehicle_messages")
                if engine.dialect.name == "postgresql"
                else text("DROP TRIGGER refuse_poison")
            )
            if engine.dialect.name == "postgresql":
                await conn.execute(text("DROP FUNCTION refuse_poison()"))


async def test_a_message_the_database_refuses_is_found_and_the_rest_stored(
    refusing_store: Fleet,
) -> None:
    fleet = refusing_store
    batch = [_good(fleet.good.vin, float(i), NOW + timedelta(seconds=i)) for i in range(20)]
    poison = encode_telemetry("poison", NOW, {"Vehicle.Speed": 1})
    batch.insert(13, Incoming(topic(fleet.bad.vin, Channel.TELEMETRY), poison, NOW))

    taken = await Intake(fleet.container.services).take(batch)

    assert [(r.index, r.reason) for r in taken.refused] == [(13, "store_failed")]
    assert "refused by the database" in taken.refused[0].error
    assert taken.result.applied == 20
    assert await _stored(fleet.container, fleet.good) == 20
    assert await _stored(fleet.container, fleet.bad) == 0
