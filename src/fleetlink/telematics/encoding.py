"""Protocol v1 payloads built: what a unit sends on its uplink, and the cloud's commands.

One encoder for everyone who speaks the protocol: the simulator, the cloud and the tests.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fleetlink.domain.commands import Command
from fleetlink.domain.reports import EventKind, ServiceVisit
from fleetlink.domain.state import WarningLight
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.telematics.codec import VERSION
from fleetlink.telematics.topics import Channel


def encode(body: dict[str, Any]) -> bytes:
    """A message body as it goes over the wire: compact JSON."""
    return json.dumps(body, separators=(",", ":")).encode()


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Uplink:
    """A message a unit sends on one of its uplink channels (protocol v1)."""

    channel: Channel
    body: dict[str, Any]

    @property
    def payload(self) -> bytes:
        """The body as the unit publishes it."""
        return encode(self.body)


def _head(message_id: str, at: datetime) -> dict[str, Any]:
    return {"v": VERSION, "id": message_id, "ts": _ts(at)}


def telemetry_message(message_id: str, at: datetime, signals: dict[str, Any]) -> Uplink:
    """A telemetry sample: signals by their VSS names, in the protocol's units."""
    return Uplink(Channel.TELEMETRY, {**_head(message_id, at), "signals": signals})


def connection_message(message_id: str, at: datetime, state: ConnectionState) -> Uplink:
    """The unit's connection state, as it retains it on its connection topic."""
    return Uplink(Channel.CONNECTION, {**_head(message_id, at), "state": state.value})


def event_message(
    message_id: str,
    at: datetime,
    kind: EventKind,
    light: WarningLight | None = None,
    *,
    door: str | None = None,
    service: ServiceVisit | None = None,
) -> Uplink:
    """Something that happened, with the light, door or service visit it concerns."""
    body: dict[str, Any] = {**_head(message_id, at), "event": kind.value}
    if light is not None:
        body["data"] = {
            "name": light.name,
            "severity": light.severity.value,
            "description": light.description,
        }
    elif door is not None:
        body["data"] = {"door": door}
    elif service is not None:
        data = {
            "category": service.category,
            "description": service.description,
            "odometer_km": service.odometer_km,
            "dealer_code": service.dealer_code,
            "dealer_name": service.dealer_name,
        }
        body["data"] = {key: value for key, value in data.items() if value is not None}
    return Uplink(Channel.EVENTS, body)


def result_message(
    message_id: str,
    at: datetime,
    command_id: str,
    *,
    ok: bool,
    code: str,
    reason: str | None = None,
) -> Uplink:
    """The unit's answer to a command: succeeded or failed, with its code and reason."""
    body: dict[str, Any] = {
        **_head(message_id, at),
        "command_id": command_id,
        "status": "succeeded" if ok else "failed",
        "code": code,
    }
    if reason:
        body["reason"] = reason
    return Uplink(Channel.COMMAND_RESULTS, body)


def encode_command(command: Command, now: datetime) -> bytes:
    """The payload the cloud publishes to a vehicle's commands topic."""
    return encode(
        {
            **_head(command.id, now),
            "command": command.kind.value,
            "params": command.params,
            "expires_at": _ts(command.expires_at),
        }
    )


LAST_WILL = encode({"v": VERSION, "state": ConnectionState.OFFLINE.value})


# The payloads as bytes, for tests and tools that publish by hand.
def encode_telemetry(message_id: str, at: datetime, signals: dict[str, Any]) -> bytes:
    """A telemetry payload, as a vehicle sends it."""
    return telemetry_message(message_id, at, signals).payload


def encode_connection(message_id: str, at: datetime, state: ConnectionState) -> bytes:
    """A connection payload, as a vehicle sends it."""
    return connection_message(message_id, at, state).payload


def encode_event(
    message_id: str,
    at: datetime,
    kind: EventKind,
    light: WarningLight | None = None,
    *,
    door: str | None = None,
    service: ServiceVisit | None = None,
) -> bytes:
    """An event payload, as a vehicle sends it."""
    return event_message(message_id, at, kind, light, door=door, service=service).payload


def encode_result(
    message_id: str, at: datetime, command_id: str, *, ok: bool, code: str, reason: str | None
) -> bytes:
    """A command-result payload, as a vehicle sends it."""
    return result_message(message_id, at, command_id, ok=ok, code=code, reason=reason).payload
