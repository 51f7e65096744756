"""Fuzzing the uplink: whatever a vehicle sends, the codec only refuses it, and the store
still takes the next good message (on SQLite and PostgreSQL)."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fleetlink.bootstrap import Container
from fleetlink.domain.accounts import Account
from fleetlink.domain.fleetgen import generate_fleet
from fleetlink.domain.reports import EventKind
from fleetlink.domain.vehicle import Vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.demo import as_new_vehicle
from fleetlink.services.vehicles import register_vehicles
from fleetlink.storage.tables import vehicle_messages
from fleetlink.telematics.codec import decode, encode_telemetry
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
event_data = st.one_of(
    json_value,
    st.fixed_dictionaries(
        {},
        optional={
            "name": edgy_text,
            "severity": st.sampled_from(["info", "warning", "critical", "x"]),
            "description": edgy_text,
            "door": st.sampled_from(["front_left", "rear_right", "hood", "\x00"]),
            "category": edgy_text,
            "odometer_km": edgy_number,
            "dealer_code": edgy_text,
            "dealer_name": edgy_text,
        },
    ),
)
body = st.fixed_dictionaries(
    {"v": st.one_of(st.just(1), json_value)},
    optional={
        "id": st.one_of(edgy_text, st.builds(lambda: str(uuid.uuid4()))),
        "ts": edgy_time,
        "signals": st.one_of(signals, json_value),
        "event": st.one_of(st.sampled_from([k.value for k in EventKind]), edgy_text),
        "data": event_data,
        "state": st.one_of(st.sampled_from(["online", "asleep", "offline"]), edgy_text),
        "command_id": edgy_text,
        "status": st.sampled_from(["succeeded", "failed", "maybe"]),
        "code": edgy_text,
        "reason": st.one_of(st.none(), edgy_text),
        "extra": json_value,
    },
)


def _encoded(value: dict[str, Any], ascii_only: bool) -> bytes:
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    # Without ensure_ascii a lone surrogate is written as the raw (invalid) UTF-8 bytes.
    return text.replace('"now"', json.dumps(NOW.isoformat())).encode("utf-8", "surrogatepass")


payload = st.one_of(
    st.builds(_encoded, body, st.booleans()),
    st.binary(max_size=64),
    st.builds(
        lambda depth: b'{"v":1,"x":' + b"[" * depth + b"]" * depth + b"}",
        st.integers(1, 30_000),
    ),
)
channel = st.sampled_from([c.value for c in Channel] + ["telemetry/x", "", "\x00"])


@settings(max_examples=400, deadline=None, database=None)
@given(channel=channel, raw=payload)
def test_the_codec_refuses_anything_it_cannot_take_and_nothing_else_escapes(
    channel: str, raw: bytes
) -> None:
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
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(channel=channel, raw=payload)
async def test_after_any_message_a_good_one_is_still_stored(
    fleet: tuple[Container, Account, Vehicle], channel: str, raw: bytes
) -> None:
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
