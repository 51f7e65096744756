"""Protocol v1 payloads: good ones decode to domain reports; bad ones say exactly why."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.commands import Command, CommandKind, CommandRequest
from fleetlink.domain.reports import (
    CommandResultReport,
    ConnectionReport,
    Door,
    EventKind,
    EventReport,
    ServiceVisit,
    StateReport,
)
from fleetlink.domain.state import OilLevel, Severity, WarningLight, WindowPosition
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.telematics.codec import decode, decode_command, decode_message, decode_object
from fleetlink.telematics.encoding import (
    LAST_WILL,
    encode_command,
    encode_connection,
    encode_event,
    encode_result,
    encode_telemetry,
)
from fleetlink.telematics.payload import MalformedMessage, TimeWindow
from fleetlink.telematics.topics import Channel, parse_topic, topic, uplink_filters

VIN = "JTMAAAAA7PJ000001"
AT = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
NOW = AT + timedelta(seconds=2)


def _telemetry(signals: dict[str, object], **extra: object) -> bytes:
    return json.dumps(
        {"v": 1, "id": "m-1", "ts": "2026-05-01T08:30:00Z", "signals": signals, **extra}
    ).encode()


def test_topics_are_per_vehicle_under_a_versioned_prefix() -> None:
    assert topic(VIN, Channel.TELEMETRY) == f"fleetlink/v1/{VIN}/telemetry"
    assert parse_topic(f"fleetlink/v1/{VIN}/command-results") is not None
    assert parse_topic("fleetlink/v2/x/telemetry") is None
    assert parse_topic(f"fleetlink/v1/{VIN}/telemetry/extra") is None
    assert f"fleetlink/v1/+/{Channel.COMMANDS.value}" not in uplink_filters()


def test_a_telemetry_sample_decodes_into_a_state_report() -> None:
    payload = _telemetry(
        {
            "Vehicle.Speed": 48,
            "Vehicle.CurrentLocation.Latitude": 33.0198,
            "Vehicle.CurrentLocation.Longitude": -96.6989,
            "Vehicle.TraveledDistance": 18250.4,
            "Vehicle.LowVoltageSystemState": "ON",
            "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": True,
            "Vehicle.Cabin.Door.Row2.PassengerSide.IsLocked": False,
            "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position": 10,
            "Vehicle.Powertrain.CombustionEngine.EngineOilLevel": "LOW",
        }
    )

    report = decode(f"fleetlink/v1/{VIN}/telemetry", payload, NOW)

    assert report == StateReport(
        vin=VIN,
        message_id="m-1",
        at=AT,
        speed_kmh=48.0,
        latitude=33.0198,
        longitude=-96.6989,
        odometer_km=18250.4,
        ignition_on=True,
        doors_open={Door.FRONT_LEFT: True},
        doors_locked={Door.REAR_RIGHT: False},
        windows={Door.FRONT_RIGHT: WindowPosition.VENTING},
        oil_level=OilLevel.LOW,
    )


@pytest.mark.parametrize(
    ("topic_name", "payload", "reason"),
    [
        (f"fleetlink/v1/{VIN}/telemetry", b"\xff\xfe", "not_json"),
        (f"fleetlink/v1/{VIN}/telemetry", b"[1, 2]", "not_an_object"),
        (
            f"fleetlink/v1/{VIN}/telemetry",
            b'{"v": 2, "id": "a", "ts": "2026-05-01T08:30:00Z"}',
            "unsupported_version",
        ),
        (f"fleetlink/v1/{VIN}/telemetry", _telemetry({"Vehicle.Speed": 1}, id=""), "bad_id"),
        (
            f"fleetlink/v1/{VIN}/telemetry",
            _telemetry({"Vehicle.Speed": 1}, ts="yesterday"),
            "bad_timestamp",
        ),
        (
            f"fleetlink/v1/{VIN}/telemetry",
            _telemetry({"Vehicle.Speed": 1}, ts="2026-05-01T08:30:00"),
            "bad_timestamp",
        ),
        (f"fleetlink/v1/{VIN}/telemetry", _telemetry({}), "bad_signals"),
        (f"fleetlink/v1/{VIN}/telemetry", _telemetry({"Vehicle.Warp": 9}), "unknown_signals"),
        (f"fleetlink/v1/{VIN}/telemetry", _telemetry({"Vehicle.Speed": "fast"}), "bad_value"),
        (f"fleetlink/v1/{VIN}/telemetry", _telemetry({"Vehicle.Speed": True}), "bad_value"),
        (f"fleetlink/v1/{VIN}/telemetry", _telemetry({"Vehicle.Speed": 900}), "out_of_range"),
        (
            f"fleetlink/v1/{VIN}/telemetry",
            _telemetry({"Vehicle.Powertrain.TractionBattery.StateOfCharge.Current": -1}),
            "out_of_range",
        ),
        (
            f"fleetlink/v1/{VIN}/telemetry",
            _telemetry({"Vehicle.CurrentLocation.Latitude": 10}),
            "bad_signals",
        ),
        (
            f"fleetlink/v1/{VIN}/telemetry",
            _telemetry({"Vehicle.LowVoltageSystemState": "WARP"}),
            "bad_value",
        ),
        (
            f"fleetlink/v1/{VIN}/telemetry",
            b'{"v":1,"id":"a","ts":"2026-05-01T08:30:00Z","signals":{"Vehicle.Speed":NaN}}',
            "bad_number",
        ),
        ("fleetlink/v1/NOTAVIN/telemetry", _telemetry({"Vehicle.Speed": 1}), "bad_vin"),
        (f"fleetlink/v1/{VIN.lower()}/telemetry", _telemetry({"Vehicle.Speed": 1}), "bad_vin"),
        (f"fleetlink/v1/{VIN}/commands", _telemetry({"Vehicle.Speed": 1}), "unknown_topic"),
        (f"elsewhere/{VIN}/telemetry", _telemetry({"Vehicle.Speed": 1}), "unknown_topic"),
        (
            f"fleetlink/v1/{VIN}/events",
            b'{"v":1,"id":"a","ts":"2026-05-01T08:30:00Z","event":"explode"}',
            "unknown_event",
        ),
        (
            f"fleetlink/v1/{VIN}/events",
            b'{"v":1,"id":"a","ts":"2026-05-01T08:30:00Z","event":"warning_light_on"}',
            "bad_event",
        ),
        (f"fleetlink/v1/{VIN}/connection", b'{"v":1,"state":"dancing"}', "bad_connection"),
        (
            f"fleetlink/v1/{VIN}/command-results",
            b'{"v":1,"id":"a","ts":"2026-05-01T08:30:00Z","command_id":"c","status":"maybe"}',
            "bad_result",
        ),
        (f"fleetlink/v1/{VIN}/telemetry", b"{" + b" " * 70_000 + b"}", "too_large"),
    ],
)
def test_a_malformed_message_is_refused_with_its_reason(
    topic_name: str, payload: bytes, reason: str
) -> None:
    with pytest.raises(MalformedMessage) as caught:
        decode(topic_name, payload, NOW)

    assert caught.value.reason == reason
    assert caught.value.detail


def test_what_a_vehicle_encodes_the_cloud_decodes() -> None:
    light = WarningLight("tire_pressure", Severity.WARNING, "Low tire pressure")
    assert decode(
        f"fleetlink/v1/{VIN}/telemetry", encode_telemetry("a", AT, {"Vehicle.Speed": 3.5}), NOW
    ) == StateReport(VIN, "a", AT, speed_kmh=3.5)
    assert decode(
        f"fleetlink/v1/{VIN}/events", encode_event("b", AT, EventKind.WARNING_LIGHT_ON, light), NOW
    ) == EventReport(VIN, "b", AT, EventKind.WARNING_LIGHT_ON, light)
    assert decode(
        f"fleetlink/v1/{VIN}/connection", encode_connection("c", AT, ConnectionState.ASLEEP), NOW
    ) == ConnectionReport(VIN, "c", AT, ConnectionState.ASLEEP)
    assert decode(
        f"fleetlink/v1/{VIN}/command-results",
        encode_result("d", AT, "cmd-1", ok=False, code="DRIVING", reason="vehicle is moving"),
        NOW,
    ) == CommandResultReport(VIN, "d", AT, "cmd-1", False, "DRIVING", "vehicle is moving")


def test_the_last_will_has_no_time_so_arrival_time_stands_in() -> None:
    report = decode(f"fleetlink/v1/{VIN}/connection", LAST_WILL, NOW)

    assert report == ConnectionReport(VIN, None, NOW, ConnectionState.OFFLINE)


def test_a_command_payload_carries_its_request_id_and_deadline() -> None:
    command = Command.new(
        id="req-1",
        vehicle_id=1,
        vin=VIN,
        request=CommandRequest.remote(CommandKind.HORN, 2),
        now=AT,
        timeout=timedelta(seconds=60),
    )

    body = decode_command(encode_command(command, AT))

    assert body["id"] == "req-1"
    assert body["command"] == "horn"
    assert body["params"] == {"beeps": 2}
    assert body["expires_at"] == "2026-05-01T08:31:00Z"


def _event(event: str, data: object) -> bytes:
    body = {"v": 1, "id": "e-1", "ts": "2026-05-01T08:30:00Z", "event": event, "data": data}
    return json.dumps(body).encode()


GOOD_SERVICE = {
    "category": "oil_change",
    "description": "Oil and filter change",
    "odometer_km": 18250.4,
    "dealer_code": "04136",
    "dealer_name": "Toyota of Plano",
}


def test_a_service_visit_decodes_with_what_the_workshop_did() -> None:
    visit = ServiceVisit("oil_change", "Oil and filter change", 18250.4, "04136", "Toyota of Plano")

    report = decode(f"fleetlink/v1/{VIN}/events", _event("service_performed", GOOD_SERVICE), NOW)

    assert report == EventReport(VIN, "e-1", AT, EventKind.SERVICE_PERFORMED, service=visit)
    assert (
        decode(
            f"fleetlink/v1/{VIN}/events",
            encode_event("e-1", AT, EventKind.SERVICE_PERFORMED, service=visit),
            NOW,
        )
        == report
    )


def test_a_service_visit_needs_only_a_category_and_a_description() -> None:
    data = {"category": "inspection", "description": "Multi-point inspection", "extra": 1}

    report = decode(f"fleetlink/v1/{VIN}/events", _event("service_performed", data), NOW)

    assert isinstance(report, EventReport)
    assert report.service == ServiceVisit("inspection", "Multi-point inspection")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "oil",
        {**GOOD_SERVICE, "category": ""},
        {**GOOD_SERVICE, "category": "x" * 65},
        {k: v for k, v in GOOD_SERVICE.items() if k != "description"},
        {**GOOD_SERVICE, "description": 42},
        {**GOOD_SERVICE, "odometer_km": -5},
        {**GOOD_SERVICE, "odometer_km": "18250"},
        {**GOOD_SERVICE, "dealer_code": "0" * 33},
        {**GOOD_SERVICE, "dealer_name": ["Toyota"]},
    ],
)
def test_a_malformed_service_visit_is_refused_with_its_reason(data: object) -> None:
    with pytest.raises(MalformedMessage) as caught:
        decode(f"fleetlink/v1/{VIN}/events", _event("service_performed", data), NOW)

    assert caught.value.reason in ("bad_event", "out_of_range", "bad_value")
    assert caught.value.detail


@pytest.mark.parametrize("door", ["front_left", "front_right", "rear_left", "rear_right", "trunk"])
def test_a_door_event_names_its_door(door: str) -> None:
    report = decode(f"fleetlink/v1/{VIN}/events", _event("door_opened", {"door": door}), NOW)

    assert report == EventReport(VIN, "e-1", AT, EventKind.DOOR_OPENED, door=door)


def test_a_door_event_may_leave_the_door_out_but_not_name_a_wrong_one() -> None:
    bare = b'{"v":1,"id":"e","ts":"2026-05-01T08:30:00Z","event":"door_closed"}'

    assert decode(f"fleetlink/v1/{VIN}/events", bare, NOW) == EventReport(
        VIN, "e", AT, EventKind.DOOR_CLOSED
    )
    with pytest.raises(MalformedMessage) as caught:
        decode(f"fleetlink/v1/{VIN}/events", _event("door_opened", {"door": "sunroof"}), NOW)
    assert caught.value.reason == "bad_event"


def test_a_parsed_message_decodes_like_its_bytes() -> None:
    body = {"v": 1, "id": "m-1", "ts": "2026-05-01T08:30:00Z", "signals": {"Vehicle.Speed": 12}}

    assert decode_object(f"fleetlink/v1/{VIN}/telemetry", body, NOW) == decode(
        f"fleetlink/v1/{VIN}/telemetry", json.dumps(body).encode(), NOW
    )
    with pytest.raises(MalformedMessage) as caught:
        decode_object(f"fleetlink/v1/{VIN}/telemetry", [body], NOW)
    assert caught.value.reason == "not_an_object"


TELEMETRY = f"fleetlink/v1/{VIN}/telemetry"
EVENTS = f"fleetlink/v1/{VIN}/events"


def _nested(levels: int, opening: bytes = b'{"a":', closing: bytes = b"}") -> bytes:
    return (
        b'{"v":1,"id":"a","ts":"2026-05-01T08:30:00Z","signals":{"Vehicle.Speed":1},"x":'
        + opening * levels
        + b"1"
        + closing * levels
        + b"}"
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        # Calendar edges: these overflowed datetime on their way to UTC.
        (_telemetry({"Vehicle.Speed": 1}, ts="0001-01-01T00:00:00+01:00"), "bad_timestamp"),
        (_telemetry({"Vehicle.Speed": 1}, ts="9999-12-31T23:59:59-01:00"), "bad_timestamp"),
        (_telemetry({"Vehicle.Speed": 1}, ts="0001-01-01T00:00:00Z"), "too_old"),
        (_telemetry({"Vehicle.Speed": 1}, ts="9999-12-31T23:59:59Z"), "from_future"),
        (_telemetry({"Vehicle.Speed": 1}, ts="2026-05-01T08:40:00Z"), "from_future"),
        (_telemetry({"Vehicle.Speed": 1}, ts="2026-03-01T08:30:00Z"), "too_old"),
        (_telemetry({"Vehicle.Speed": 1}, ts=7), "bad_timestamp"),
        (_telemetry({"Vehicle.Speed": 1}, ts="2026-05-01T08:30:00Z" + " " * 60), "bad_timestamp"),
        (_nested(20_000, b"[", b"]"), "too_deep"),
        (_nested(10_000), "too_deep"),
        (_nested(10), "too_deep"),
        (_telemetry({"Vehicle.Speed": 1}, id="m\u0000"), "bad_text"),
        (_telemetry({"Vehicle.Speed": 1}, id="\ud800"), "bad_text"),
        (_telemetry({"Vehicle.Speed": 1}, id="tab\there"), "bad_id"),
        (_telemetry({"Vehicle.Speed": 1}, extra="\udfff"), "bad_text"),
        (_telemetry({"Vehicle.Speed\u0000": 1}), "bad_text"),
        # Encoded surrogates are not UTF-8, although json.loads on bytes lets them through.
        (_telemetry({"Vehicle.Speed": 1}).replace(b'"m-1"', b'"m\xed\xa0\x80"'), "not_json"),
        (_telemetry({"Vehicle.Speed": 1}).replace(b'"m-1"', b'"m\xff"'), "not_json"),
        (_telemetry({"Vehicle.Speed": 1}).replace(b"1}", b"1e400}"), "bad_number"),
        (_telemetry({"Vehicle.Speed": 1}).replace(b"1}", b"-Infinity}"), "bad_number"),
        (_telemetry({"Vehicle.Speed": 1}).replace(b"1}", b"9" * 5000 + b"}"), "not_json"),
        (
            json.dumps(
                {
                    "v": 1,
                    "id": "e",
                    "ts": "2026-05-01T08:30:00Z",
                    "event": "warning_light_on",
                    "data": {"name": "oil\u0000"},
                }
            ).encode(),
            "bad_text",
        ),
        (
            json.dumps(
                {
                    "v": 1,
                    "id": "e",
                    "ts": "2026-05-01T08:30:00Z",
                    "event": "service_performed",
                    "data": {"category": "oil", "description": "x\ud800y"},
                }
            ).encode(),
            "bad_text",
        ),
    ],
)
def test_what_no_store_could_keep_is_refused_where_it_enters(payload: bytes, reason: str) -> None:
    topic_name = EVENTS if b'"event"' in payload else TELEMETRY

    with pytest.raises(MalformedMessage) as caught:
        decode(topic_name, payload, NOW)

    assert caught.value.reason == reason
    # The detail goes to logs and to a dead letter: it must be storable itself.
    assert "\x00" not in caught.value.detail
    caught.value.detail.encode("utf-8")


def test_a_sample_a_little_ahead_of_the_cloud_is_taken_as_the_vehicles_own_time() -> None:
    ahead = NOW + timedelta(minutes=4)

    report = decode(TELEMETRY, encode_telemetry("a", ahead, {"Vehicle.Speed": 1}), NOW)

    assert report.at == ahead


def test_the_plausible_window_is_a_setting() -> None:
    week_old = NOW - timedelta(days=7)
    payload = encode_telemetry("a", week_old, {"Vehicle.Speed": 1})

    with pytest.raises(MalformedMessage, match="too_old"):
        decode(TELEMETRY, payload, NOW, TimeWindow(behind=timedelta(days=1)))
    assert decode(TELEMETRY, payload, NOW, TimeWindow(behind=timedelta(days=8))).at == week_old


def test_a_valid_surrogate_pair_is_ordinary_text() -> None:
    report = decode(TELEMETRY, _telemetry({"Vehicle.Speed": 1}, id="car-\ud83d\ude97"), NOW)

    assert report.message_id == "car-\U0001f697"


def test_unknown_signals_are_named_and_the_known_ones_kept() -> None:
    payload = _telemetry({"Vehicle.Speed": 12, "Vehicle.Exterior.AirTemperature": 8.5})

    decoded = decode_message(TELEMETRY, payload, NOW)

    assert decoded.report == StateReport(VIN, "m-1", AT, speed_kmh=12.0)
    assert decoded.unknown_signals == ("Vehicle.Exterior.AirTemperature",)
