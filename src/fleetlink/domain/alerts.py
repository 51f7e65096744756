"""Notifications that follow from how a vehicle's state changed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from fleetlink.domain.commands import CommandKind
from fleetlink.domain.notifications import Notification, NotificationType
from fleetlink.domain.reports import EventKind, EventReport
from fleetlink.domain.state import ChargingStatus, OilLevel, Severity, VehicleState

_OIL_ORDER = {OilLevel.OK: 0, OilLevel.LOW: 1, OilLevel.CRITICALLY_LOW: 2}
# How far ahead of its estimate a charge may end and still count as reaching its target.
TARGET_SLACK = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Alert:
    """Something the owner should be told."""

    type: NotificationType
    severity: Severity
    title: str
    message: str

    def notification(self, id: str, vehicle_id: int, at: datetime) -> Notification:
        """The alert as a notification of one vehicle, dated at."""
        return Notification(id, vehicle_id, self.type, self.severity, self.title, self.message, at)


def _oil(before: VehicleState, after: VehicleState) -> list[Alert]:
    if after.oil_level is None or before.oil_level is None:
        return []
    if _OIL_ORDER[after.oil_level] <= _OIL_ORDER[before.oil_level]:
        return []
    if after.oil_level is OilLevel.CRITICALLY_LOW:
        return [
            Alert(
                NotificationType.MAINTENANCE,
                Severity.CRITICAL,
                "Engine oil critically low",
                "Stop when safe and add oil before driving on.",
            )
        ]
    return [
        Alert(
            NotificationType.MAINTENANCE,
            Severity.WARNING,
            "Engine oil low",
            "Add engine oil soon, or book a service.",
        )
    ]


def _reached_target(before: VehicleState, after: VehicleState) -> bool:
    """Whether charging stopped when the vehicle had said it would: at its own target.

    A charge limit below 100 % (a fast charger's 80 %, an owner's setting) ends a session
    that is complete, not interrupted; the vehicle's last estimate of the time to complete
    is how the cloud knows, without being told the limit.
    """
    due = before.charge_complete_at
    # When charging stopped: the charging group's time, not a newer report of something else.
    stopped = after.times.charging or after.reported_at
    return due is not None and stopped >= due - TARGET_SLACK


def _charging(before: VehicleState, after: VehicleState) -> list[Alert]:
    if before.charging_status is not ChargingStatus.CHARGING:
        return []
    level = "" if after.battery_soc_pct is None else f" at {after.battery_soc_pct:.0f} %"
    if after.charging_status is ChargingStatus.FULLY_CHARGED:
        return [
            Alert(
                NotificationType.MESSAGE,
                Severity.INFO,
                "Charging complete",
                "The battery is fully charged.",
            )
        ]
    stopped = (ChargingStatus.PLUGGED_IN, ChargingStatus.NOT_CHARGING)
    if after.charging_status in stopped and _reached_target(before, after):
        return [
            Alert(
                NotificationType.MESSAGE,
                Severity.INFO,
                "Charging complete",
                f"Charging reached its target{level}.",
            )
        ]
    if after.charging_status in stopped:
        return [
            Alert(
                NotificationType.ALERT,
                Severity.WARNING,
                "Charging interrupted",
                f"Charging stopped before the battery was full{level}.",
            )
        ]
    return []


def alerts_between(before: VehicleState | None, after: VehicleState) -> list[Alert]:
    """What the change from before to after is worth telling the owner."""
    if before is None or after is before:
        return []
    found = _oil(before, after) + _charging(before, after)
    if after.maintenance_due and not before.maintenance_due:
        found.append(
            Alert(
                NotificationType.MAINTENANCE,
                Severity.WARNING,
                "Maintenance due",
                "Your vehicle is due for scheduled maintenance: book a visit with your dealer.",
            )
        )
    return found


def event_alert(event: EventReport) -> Alert | None:
    """What an event the vehicle reported is worth telling the owner, if anything."""
    if event.kind is EventKind.WARNING_LIGHT_ON and event.light is not None:
        return Alert(
            NotificationType.ALERT,
            event.light.severity,
            f"Warning light: {event.light.name.replace('_', ' ')}",
            event.light.description,
        )
    if event.kind is EventKind.SERVICE_PERFORMED and event.service is not None:
        where = f" at {event.service.dealer_name}" if event.service.dealer_name else ""
        return Alert(
            NotificationType.SERVICE,
            Severity.INFO,
            "Service recorded",
            f"{event.service.description}{where}.",
        )
    return None


def command_failed_alert(kind: CommandKind, code: str, reason: str | None) -> Alert:
    """The owner's notice that the vehicle refused or failed a command."""
    return Alert(
        NotificationType.ALERT,
        Severity.WARNING,
        f"Command {kind.value} failed",
        reason or f"The vehicle refused the command (code {code}).",
    )
