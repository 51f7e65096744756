"""Fuzzing the uplink: whatever a vehicle sends, the codec only refuses it, and the store
still takes the next good message (on SQLite and PostgreSQL)."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fleetlink.bootstrap import Container
from fleetlink.domain.accounts import Account
from fleetlink.domain.reports import EventKind
from fleetlink.domain.vehicle import Vehicle
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.devices import device_credential, issue_device_credential
from fleetlink.services.vehicles import register_vehicles
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.storage.tables import vehicle_messages
from fleetlink.telematics.codec import decode
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.intake import Incoming, Intake
from fleetlink.telematics.payload import MalformedMessage
from fleetlink.telematics.signals import SIGNALS
from fleetlink.telematics.topics import Channel, topic

NOW = datetime.now(UTC).replace(microsecond=0)
VIN = "JTMAAAAA7PJ000001"

edgy_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["\x00", "\ud800", "\udfff", "a\x00b", "\ud83d\ude97", "\u2028", "é", "x" * 80, "", " "]
    ),
)
edgy_number = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -0.0, 2**63, 5e-324]),
)
edgy_time = st.one_of(
    st.sampled_from(
        [
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-05-01T08:30:00",
            "now",
        ]
    ),
    st.builds(
        lambda at, minutes: at.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
        st.datetimes(),
        st.integers(-1439, 1439),
    ),
    st.builds(
        lambda seconds: (NOW + timedelta(seconds=seconds)).isoformat(),
        st.integers(-(10**8), 10**8),
    ),
    edgy_text,
    edgy_number,
)
scalar = st.one_of(st.none(), st.booleans(), edgy_number, edgy_text)
json_value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(edgy_text, inner, max_size=3),
    max_leaves=12,
)
signal_value = st.one_of(
    json_value,
    st.sampled_from(["ON", "OFF", "LOW", "NORMAL", "UNDEFINED"]),
    st.floats(min_value=-10, max_value=500),
)
signals = st.dictionaries(
    st.one_of(st.sampled_from(sorted(SIGNALS)), edgy_text), signal_value, max_size=6
)
# Each field: what the protocol expects there, or anything at all (containers included,
# which are what a check written for strings or numbers forgets).
anything = st.one_of(
    json_value, st.lists(json_value, max_size=2), st.dictionaries(edgy_text, json_value, max_size=2)
)


def _or_anything(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(valid, anything)


event_data = st.one_of(
    st.fixed_dictionaries(
        {
            "name": _or_anything(edgy_text),
            "severity": _or_anything(st.sampled_from(["info", "warning", "critical"])),
            "description": _or_anything(edgy_text),
            "door": _or_anything(st.sampled_from(["front_left", "rear_right", "trunk"])),
            "category": _or_anything(edgy_text),
            "odometer_km": _or_anything(edgy_number),
            "dealer_code": _or_anything(edgy_text),
            "dealer_name": _or_anything(edgy_text),
        },
    ),
    anything,
)
version = st.one_of(st.just(1), anything)
message_id = st.one_of(st.builds(lambda: str(uuid.uuid4())), edgy_text, anything)
time = st.one_of(st.just("now"), edgy_time, anything)


def _message(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A message of one channel: each field as the protocol wants it, or anything at all."""
    return st.fixed_dictionaries(
        {"v": version, "id": message_id, "ts": time, **fields}, optional={"extra": anything}
    )


# What each channel carries: its own fields, each as the protocol wants it or anything.
MESSAGES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "telemetry": _message(signals=_or_anything(signals)),
    "events": _message(
        event=_or_anything(st.sampled_from([k.value for k in EventKind])), data=event_data
    ),
    "connection": _message(state=_or_anything(st.sampled_from(["online", "asleep", "offline"]))),
    "command-results": _message(
        command_id=_or_anything(edgy_text),
        status=_or_anything(st.sampled_from(["succeeded", "failed"])),
        code=_or_anything(edgy_text),
        reason=st.one_of(st.none(), edgy_text, anything),
    ),
    # Another channel's message, or none at all: on a topic of the protocol or not.
    "commands": st.dictionaries(edgy_text, anything, max_size=4),
    "telemetry/x": st.dictionaries(edgy_text, anything, max_size=4),
}


def _encoded(value: dict[str, Any], ascii_only: bool) -> bytes:
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    # Without ensure_ascii a lone surrogate is written as the raw (invalid) UTF-8 bytes.
    return text.replace('"now"', json.dumps(NOW.isoformat())).encode("utf-8", "surrogatepass")


def payloads(channel: str) -> st.SearchStrategy[bytes]:
    """What a vehicle might publish on channel: its message gone wrong, or any bytes."""
    return st.one_of(
        st.builds(_encoded, MESSAGES[channel], st.booleans()),
        st.binary(max_size=64),
        st.builds(
            lambda depth: b'{"v":1,"x":' + b"[" * depth + b"]" * depth + b"}",
            st.integers(1, 30_000),
        ),
    )


@pytest.mark.parametrize("channel", sorted(MESSAGES))
@settings(max_examples=500, deadline=None, database=None)
@given(data=st.data())
def test_the_codec_refuses_anything_it_cannot_take_and_nothing_else_escapes(
    channel: str, data: st.DataObject
) -> None:
    raw = data.draw(payloads(channel))
    try:
        decode(f"fleetlink/v1/{VIN}/{channel}", raw, NOW)
    except MalformedMessage as refused:
        assert refused.reason
        refused.detail.encode("utf-8")  # storable and loggable


@pytest_asyncio.fixture
async def fleet(container: Container) -> tuple[Container, Account, Vehicle]:
    owner = await create_account(container.services, f"{uuid.uuid4().hex}@example.com", "x" * 12)
    [vehicle] = await register_vehicles(
        container.services, owner, [as_new_vehicle(g) for g in generate_fleet(13, 1, NOW)]
    )
    return container, owner, vehicle


async def _stored(container: Container, message_id: str) -> bool:
    async with container.store.engine.connect() as conn:
        count = await conn.execute(
            select(func.count())
            .select_from(vehicle_messages)
            .where(vehicle_messages.c.message_id == message_id)
        )
        return bool(count.scalar_one())


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.parametrize("channel", sorted(MESSAGES))
@given(data=st.data())
async def test_after_any_message_a_good_one_is_still_stored(
    fleet: tuple[Container, Account, Vehicle], channel: str, data: st.DataObject
) -> None:
    raw = data.draw(payloads(channel))
    container, _, vehicle = fleet
    good_id = str(uuid.uuid4())
    good = encode_telemetry(good_id, NOW, {"Vehicle.TraveledDistance": 10.0})
    batch = [
        Incoming(f"fleetlink/v1/{vehicle.vin}/{channel}", raw, NOW),
        Incoming(topic(vehicle.vin, Channel.TELEMETRY), good, NOW),
    ]

    taken = await Intake(container.services).take(batch)

    assert [r.index for r in taken.refused] in ([], [0])
    assert await _stored(container, good_id)


# A unit's secret by VIN, issued at the first example against a store emptied per test.
_SECRETS: dict[str, str] = {}


async def _unit_secret(container: Container, vin: str) -> str:
    if await device_credential(container.services, vin) is None:
        _SECRETS[vin] = (await issue_device_credential(container.services, vin)).secret
    return _SECRETS[vin]


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    username=st.one_of(st.none(), edgy_text, st.text(max_size=300), st.just("VIN")),
    password=st.one_of(st.none(), edgy_text, st.text(min_size=60, max_size=5000)),
)
async def test_no_sign_in_gets_past_the_gate_but_the_units_own(
    fleet: tuple[Container, Account, Vehicle], username: str | None, password: str | None
) -> None:
    container, _, vehicle = fleet
    assert container.broker is not None
    gate = container.broker.gate
    secret = await _unit_secret(container, vehicle.vin)
    # "VIN" stands for the vehicle's own VIN with whatever password was drawn.
    who = vehicle.vin if username == "VIN" else username

    admitted = await gate.admit(who, password)

    assert admitted is (who == vehicle.vin and password == secret)
    assert await gate.admit(vehicle.vin, secret)
