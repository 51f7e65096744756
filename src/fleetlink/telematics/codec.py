"""Protocol v1 payloads: decoded and checked once, where they enter, into domain reports.

Their encoding, for units and for the cloud's commands, is fleetlink.telematics.encoding.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fleetlink.domain.reports import (
    OPENINGS,
    CommandResultReport,
    ConnectionReport,
    EventKind,
    EventReport,
    Report,
    ServiceVisit,
    StateReport,
)
from fleetlink.domain.state import Severity, WarningLight
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.domain.vin import is_valid_vin
from fleetlink.telematics.payload import (
    DEFAULT_WINDOW,
    MalformedMessage,
    TimeWindow,
    check_tree,
    parse,
    parse_time,
    printable,
)
from fleetlink.telematics.signals import SIGNALS, Signal, domain_value
from fleetlink.telematics.topics import Channel, Topic, parse_topic

VERSION = 1
MAX_ID_LENGTH = 64
# Service records' columns: longer text is a broken unit, not something to cut short.
SERVICE_CATEGORY_LENGTH = 64
SERVICE_DESCRIPTION_LENGTH = 1000
DEALER_CODE_LENGTH = 32
DEALER_NAME_LENGTH = 255
MAX_SIGNAL_NAME_LENGTH = 128


@dataclass(frozen=True, slots=True)
class Decoded:
    """One uplink message, decoded: its report, its parsed body, and what was left out."""

    report: Report
    body: dict[str, Any]
    channel: Channel
    # Signals this version does not know, named as sent (at most MAX_SIGNAL_NAME_LENGTH).
    unknown_signals: tuple[str, ...] = ()


def _object(payload: bytes) -> dict[str, Any]:
    return _versioned(parse(payload))


def _versioned(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise MalformedMessage("not_an_object", type(body).__name__)
    version = body.get("v")
    if type(version) is not int or version != VERSION:  # true == 1 in Python
        raise MalformedMessage("unsupported_version", printable(repr(body.get("v")))[:40])
    return body


def _message_id(body: dict[str, Any]) -> str:
    mid = body.get("id")
    if not isinstance(mid, str) or not 1 <= len(mid) <= MAX_ID_LENGTH or not mid.isprintable():
        raise MalformedMessage("bad_id", "id must be 1 to 64 printable characters")
    return mid


def _timestamp(
    body: dict[str, Any], received_at: datetime, window: TimeWindow, key: str = "ts"
) -> datetime:
    return window.check(parse_time(body.get(key), key), received_at, key)


def _check(name: str, signal: Signal, value: Any) -> Any:
    kind = signal.kind
    if kind is float:
        # The common case first: most signals are numbers.
        if type(value) is not float and (type(value) is not int):
            raise MalformedMessage("bad_value", f"{name} must be a number")
        assert signal.low is not None and signal.high is not None
        if not signal.low <= value <= signal.high:  # NaN fails this too
            raise MalformedMessage(
                "out_of_range", f"{name}={value} outside {signal.low}..{signal.high}"
            )
        return float(value)
    if kind is bool:
        if type(value) is not bool:
            raise MalformedMessage("bad_value", f"{name} must be true or false")
        return value
    if not isinstance(value, str) or value not in signal.choices:
        raise MalformedMessage("bad_value", f"{name}={value!r} not one of {sorted(signal.choices)}")
    return value


def _state(
    vin: str, body: dict[str, Any], received_at: datetime, window: TimeWindow
) -> tuple[StateReport, tuple[str, ...]]:
    signals = body.get("signals")
    if not isinstance(signals, dict) or not signals:
        raise MalformedMessage("bad_signals", "signals must be a non-empty object")
    fields: dict[str, Any] = {}
    unknown: list[str] = []
    for name, raw in signals.items():
        signal = SIGNALS.get(name)
        if signal is None:
            # A unit that knows one more VSS signal than we do still tells us the rest.
            unknown.append(name[:MAX_SIGNAL_NAME_LENGTH])
            continue
        value = _check(name, signal, raw)
        if signal.converts:
            value = domain_value(signal, value)
        if signal.door is not None:
            fields.setdefault(signal.field, {})[signal.door] = value
        else:
            fields[signal.field] = value
    if not fields:
        raise MalformedMessage("unknown_signals", f"no known signal among {len(unknown)}")
    if ("latitude" in fields) != ("longitude" in fields):
        raise MalformedMessage("bad_signals", "latitude and longitude come together")
    report = StateReport(vin, _message_id(body), _timestamp(body, received_at, window), **fields)
    return report, tuple(unknown)


def _light(data: Any) -> WarningLight:
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        raise MalformedMessage("bad_event", "a warning light event needs data.name")
    assert isinstance(data, dict)
    try:
        severity = Severity(data.get("severity", "warning"))
    except ValueError as exc:
        raise MalformedMessage("bad_event", f"severity {data.get('severity')!r}") from exc
    description = data.get("description", name.replace("_", " "))
    if not isinstance(description, str):
        raise MalformedMessage("bad_event", "description must be a string")
    return WarningLight(name[:64], severity, description[:255])


def _door(data: Any) -> str | None:
    if data is None or (isinstance(data, dict) and "door" not in data):
        return None  # a unit that cannot tell which door says only that one moved
    door = data.get("door") if isinstance(data, dict) else None
    if not isinstance(door, str) or door not in OPENINGS:
        shown = printable(repr(door))[:40]
        raise MalformedMessage("bad_event", f"door {shown} not one of {sorted(OPENINGS)}")
    return door


def _text(data: dict[str, Any], key: str, longest: int, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > longest:
        raise MalformedMessage("bad_event", f"{key} must be text of 1 to {longest} characters")
    return value


def _service(data: Any) -> ServiceVisit:
    if not isinstance(data, dict):
        raise MalformedMessage("bad_event", "a service event needs data")
    odometer = data.get("odometer_km")
    if odometer is not None:
        odometer = _check("data.odometer_km", SIGNALS["Vehicle.TraveledDistance"], odometer)
    category = _text(data, "category", SERVICE_CATEGORY_LENGTH, required=True)
    description = _text(data, "description", SERVICE_DESCRIPTION_LENGTH, required=True)
    assert category is not None and description is not None
    return ServiceVisit(
        category,
        description,
        odometer,
        _text(data, "dealer_code", DEALER_CODE_LENGTH),
        _text(data, "dealer_name", DEALER_NAME_LENGTH),
    )


def _event(
    vin: str, body: dict[str, Any], received_at: datetime, window: TimeWindow
) -> EventReport:
    event = body.get("event")
    try:
        kind = EventKind(event if isinstance(event, str) else "")
    except ValueError as exc:
        raise MalformedMessage("unknown_event", printable(repr(event))[:80]) from exc
    data = body.get("data")
    light = door = service = None
    if kind in (EventKind.WARNING_LIGHT_ON, EventKind.WARNING_LIGHT_OFF):
        light = _light(data)
    elif kind in (EventKind.DOOR_OPENED, EventKind.DOOR_CLOSED):
        door = _door(data)
    elif kind is EventKind.SERVICE_PERFORMED:
        service = _service(data)
    at = _timestamp(body, received_at, window)
    return EventReport(vin, _message_id(body), at, kind, light, door, service)


def _connection(
    vin: str, body: dict[str, Any], received_at: datetime, window: TimeWindow
) -> ConnectionReport:
    state_name = body.get("state")
    try:
        state = ConnectionState(state_name if isinstance(state_name, str) else "")
    except ValueError as exc:
        raise MalformedMessage("bad_connection", printable(repr(state_name))[:80]) from exc
    # The last will cannot know the time it is sent, so it may leave out id and ts.
    at = _timestamp(body, received_at, window) if "ts" in body else received_at
    mid = _message_id(body) if "id" in body else None
    return ConnectionReport(vin, mid, at, state)


def _result(
    vin: str, body: dict[str, Any], received_at: datetime, window: TimeWindow
) -> CommandResultReport:
    command_id = body.get("command_id")
    status = body.get("status")
    code = body.get("code", "000000")
    reason = body.get("reason")
    if not isinstance(command_id, str) or not 1 <= len(command_id) <= MAX_ID_LENGTH:
        raise MalformedMessage("bad_result", "command_id must be a string of 1 to 64 characters")
    if status not in ("succeeded", "failed"):
        raise MalformedMessage("bad_result", f"status {status!r}")
    if not isinstance(code, str) or (reason is not None and not isinstance(reason, str)):
        raise MalformedMessage("bad_result", "code and reason must be strings")
    return CommandResultReport(
        vin,
        _message_id(body),
        _timestamp(body, received_at, window),
        command_id,
        status == "succeeded",
        code[:16],
        reason[:500] if reason else None,
    )


@functools.lru_cache(maxsize=65_536)
def _vin_ok(vin: str) -> bool:
    # A fleet's VINs repeat in every message, and the check digit costs tens of µs.
    return is_valid_vin(vin) and vin == vin.upper()


def _uplink(topic_name: str) -> Topic:
    parsed = parse_topic(topic_name)
    if parsed is None or parsed.channel is Channel.COMMANDS:
        raise MalformedMessage("unknown_topic", printable(topic_name)[:200])
    if not _vin_ok(parsed.vin):
        raise MalformedMessage("bad_vin", printable(parsed.vin)[:40])
    return parsed


def decode(
    topic_name: str, payload: bytes, received_at: datetime, window: TimeWindow = DEFAULT_WINDOW
) -> Report:
    """Decode one uplink message, or raise MalformedMessage."""
    return decode_message(topic_name, payload, received_at, window).report


def decode_message(
    topic_name: str, payload: bytes, received_at: datetime, window: TimeWindow = DEFAULT_WINDOW
) -> Decoded:
    """Decode one uplink message into its report and its parsed body (kept as history)."""
    parsed = _uplink(topic_name)
    return _decoded(parsed, _object(payload), received_at, window)


def decode_object(
    topic_name: str, body: object, received_at: datetime, window: TimeWindow = DEFAULT_WINDOW
) -> Report:
    """Decode one uplink message already parsed from JSON, with the same checks as decode.

    For senders in this process (seeding), which would otherwise encode JSON only to have it
    parsed again.
    """
    parsed = _uplink(topic_name)
    check_tree(body)
    return _decoded(parsed, _versioned(body), received_at, window).report


def _decoded(
    parsed: Topic, body: dict[str, Any], received_at: datetime, window: TimeWindow
) -> Decoded:
    channel = parsed.channel
    if channel is Channel.TELEMETRY:
        report, unknown = _state(parsed.vin, body, received_at, window)
        return Decoded(report, body, channel, unknown)
    if channel is Channel.EVENTS:
        return Decoded(_event(parsed.vin, body, received_at, window), body, channel)
    if channel is Channel.CONNECTION:
        return Decoded(_connection(parsed.vin, body, received_at, window), body, channel)
    return Decoded(_result(parsed.vin, body, received_at, window), body, channel)


def decode_command(payload: bytes) -> dict[str, Any]:
    """What a vehicle reads from its commands topic (used by the simulator and tests)."""
    body = _object(payload)
    _message_id(body)
    parse_time(body.get("expires_at"), "expires_at")
    if not isinstance(body.get("command"), str) or not isinstance(body.get("params"), dict):
        raise MalformedMessage("bad_command", "command and params are required")
    return body
