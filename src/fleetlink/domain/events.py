"""The events fleetlink tells apps about: one catalogue, pure, built where the change is seen.

Each event names its vehicle (VIN), the time it happened (the vehicle's own time where the
vehicle said it) and, once stored, its place in the vehicle's sequence: receivers order and
deduplicate by (vin, sequence) and by id. The store gives out the sequence numbers, in the
transaction that writes the change (see storage/repositories/events.py), so builders leave
it at zero. docs/events.md documents every type's data with a JSON schema.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from fleetlink.domain.charging import ChargingSession
from fleetlink.domain.clearance import ClearanceChange
from fleetlink.domain.commands import Command
from fleetlink.domain.notifications import Notification
from fleetlink.domain.signals import SignalChanges
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.domain.units import km_to_miles, kmh_to_mph
from fleetlink.domain.vehicle import ConnectionState

# Where an app reads a finished trip in full (its route too), under the Toyota API.
TRIPS_LINK = "/connected/v1/vehicles/{vin}/trips?fromDate={day}&toDate={day}&includeRoute=true"


class EventType(StrEnum):
    """Every kind of event."""

    STATE_CHANGED = "vehicle.state_changed"
    CONNECTION_CHANGED = "vehicle.connection_changed"
    TRIP_FINISHED = "trip.finished"
    CHARGING_FINISHED = "charging.finished"
    COMMAND_SETTLED = "command.settled"
    NOTIFICATION_CREATED = "notification.created"
    CLEARANCE_CHANGED = "fleet.clearance_changed"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a vehicle, as apps are told it."""

    id: str
    type: EventType
    vin: str
    # Null only for a fleet's clearance of a VIN the platform does not know.
    vehicle_id: int | None
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    # The vehicle's own count of its events, from 1 (0 for a VIN the platform does not know).
    sequence: int = 0
    # Set for an event meant for one fleet only (its clearance), else None: everyone allowed.
    client_id: str | None = None

    def numbered(self, sequence: int) -> "Event":
        """The event with its place in the vehicle's sequence."""
        return Event(
            self.id,
            self.type,
            self.vin,
            self.vehicle_id,
            self.occurred_at,
            self.data,
            sequence,
            self.client_id,
        )

    def envelope(self) -> dict[str, Any]:
        """The JSON body a receiver gets (webhook payload and stream message alike)."""
        return {
            "id": self.id,
            "type": self.type.value,
            "timestamp": _iso(self.occurred_at),
            "vin": self.vin,
            "sequence": self.sequence,
            "data": self.data,
        }


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def state_changed(id: str, vin: str, vehicle_id: int, changes: SignalChanges) -> Event | None:
    """The signals that a vehicle's reports changed, at the newest time the vehicle reported,
    with each group's own time; None if none changed.

    Ingestion tells one per vehicle per stored batch: under light load a batch is one
    message; under heavy load, the reports of a vehicle in one batch are told together.
    """
    signals = changes.signals()
    if not signals or changes.at is None:
        return None
    data = {
        "signals": signals,
        "reports": changes.states,
        # When the vehicle reported each group's newest value: older than timestamp for a
        # group the last reports did not carry.
        "times": {group: _iso(at) for group, at in sorted(changes.times().items())},
    }
    return Event(id, EventType.STATE_CHANGED, vin, vehicle_id, changes.at, data)


def connection_changed(
    id: str, vin: str, vehicle_id: int, state: ConnectionState, at: datetime
) -> Event:
    """The vehicle went online, to sleep or offline."""
    return Event(id, EventType.CONNECTION_CHANGED, vin, vehicle_id, at, {"state": state.value})


def _point(p: RoutePoint) -> dict[str, Any]:
    return {"latitude": p.latitude, "longitude": p.longitude, "timestamp": _iso(p.at)}


def trip_finished(id: str, vin: str, trip: Trip) -> Event:
    """A finished trip, as the Toyota API's trip history shows it with its summary, no route."""
    data: dict[str, Any] = {
        "id": trip.id,
        "vin": vin,
        "startTime": _iso(trip.start.at),
        "endTime": _iso(trip.end.at),
        "startCoordinates": _point(trip.start),
        "endCoordinates": _point(trip.end),
        "distanceMiles": round(km_to_miles(trip.distance_km), 2),
        "durationMinutes": round(trip.duration.total_seconds() / 60),
        "averageSpeedMph": round(kmh_to_mph(trip.average_speed_kmh), 1),
        "maxSpeedMph": round(kmh_to_mph(trip.max_speed_kmh), 1),
        "link": TRIPS_LINK.format(vin=vin, day=trip.start.at.date().isoformat()),
    }
    if trip.start_address is not None:
        data["startAddress"] = trip.start_address
    if trip.end_address is not None:
        data["endAddress"] = trip.end_address
    return Event(id, EventType.TRIP_FINISHED, vin, trip.vehicle_id, trip.end.at, data)


CHARGING_LINK = "/fleetlink/v1/vehicles/{vin}/charging-sessions/{id}"


def charging_finished(id: str, vin: str, session: ChargingSession) -> Event:
    """A finished charging session, as fleetlink's own API lists it; link reads its curve."""
    data: dict[str, Any] = {
        "id": session.id,
        "started_at": _iso(session.started_at),
        "ended_at": _iso(session.ended_at),
        "duration_s": round(session.duration.total_seconds()),
        "soc_from_pct": _rounded(session.soc_from_pct, 1),
        "soc_to_pct": _rounded(session.soc_to_pct, 1),
        "energy_added_kwh": round(session.energy_added_kwh, 2),
        "peak_power_kw": round(session.peak_power_kw, 2),
        "mean_power_kw": round(session.mean_power_kw, 2),
        "current": session.current.value,
        "link": CHARGING_LINK.format(vin=vin, id=session.id),
    }
    if session.latitude is not None and session.longitude is not None:
        data["place"] = {"latitude": session.latitude, "longitude": session.longitude}
    return Event(id, EventType.CHARGING_FINISHED, vin, session.vehicle_id, session.ended_at, data)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def command_settled(id: str, command: Command) -> Event:
    """A command succeeded, failed or expired, with the vehicle's code and reason."""
    assert command.status.is_terminal, command.status
    data: dict[str, Any] = {
        "requestId": command.id,
        "command": command.kind.value,
        "status": command.status.value,
        "returnCode": command.return_code,
        "reason": command.reason,
    }
    return Event(
        id, EventType.COMMAND_SETTLED, command.vin, command.vehicle_id, command.updated_at, data
    )


def notification_created(id: str, vin: str, notification: Notification) -> Event:
    """A notification the owner is shown (an alert, a recall, a reminder)."""
    data = {
        "id": notification.id,
        "type": notification.type.value,
        "severity": notification.severity.value,
        "title": notification.title,
        "message": notification.message,
    }
    return Event(
        id,
        EventType.NOTIFICATION_CREATED,
        vin,
        notification.vehicle_id,
        notification.created_at,
        data,
    )


def clearance_changed(
    id: str, client_id: str, vin: str, vehicle_id: int | None, change: ClearanceChange
) -> Event:
    """A fleet's clearance for a VIN moved; only that fleet is told."""
    data = {"status": change.status.value, "reason": change.reason}
    return Event(
        id, EventType.CLEARANCE_CHANGED, vin, vehicle_id, change.at, data, client_id=client_id
    )
