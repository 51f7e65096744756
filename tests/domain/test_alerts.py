"""Owners hear about oil, maintenance and charging when the state changes, once."""

from dataclasses import replace
from datetime import UTC, datetime

from fleetlink.domain.alerts import alerts_between, command_failed_alert, event_alert
from fleetlink.domain.commands import CommandKind
from fleetlink.domain.notifications import NotificationType
from fleetlink.domain.reports import EventKind, EventReport, ServiceVisit
from fleetlink.domain.state import (
    ChargingStatus,
    OilLevel,
    Severity,
    VehicleState,
    WarningLight,
)

BASE = VehicleState(
    datetime(2026, 5, 1, tzinfo=UTC),
    oil_level=OilLevel.OK,
    charging_status=ChargingStatus.CHARGING,
    battery_soc_pct=64.0,
)


def _titles(before: VehicleState | None, after: VehicleState) -> list[str]:
    return [a.title for a in alerts_between(before, after)]


def test_nothing_changed_says_nothing() -> None:
    assert alerts_between(BASE, replace(BASE)) == []
    assert alerts_between(None, BASE) == []


def test_oil_going_low_then_critical_warns_each_step_once() -> None:
    low = replace(BASE, oil_level=OilLevel.LOW)
    critical = replace(BASE, oil_level=OilLevel.CRITICALLY_LOW)

    assert _titles(BASE, low) == ["Engine oil low"]
    assert _titles(low, low) == []
    (alert,) = alerts_between(low, critical)
    assert (alert.type, alert.severity) == (NotificationType.MAINTENANCE, Severity.CRITICAL)
    assert _titles(critical, BASE) == [], "a refill is good news, not an alert"


def test_maintenance_falling_due_is_told_once() -> None:
    due = replace(BASE, maintenance_due=True)

    assert _titles(BASE, due) == ["Maintenance due"]
    assert _titles(due, due) == []


def test_charging_that_finishes_or_stops_early_is_told() -> None:
    full = replace(BASE, charging_status=ChargingStatus.FULLY_CHARGED, battery_soc_pct=100.0)
    stopped = replace(BASE, charging_status=ChargingStatus.PLUGGED_IN)

    assert _titles(BASE, full) == ["Charging complete"]
    (interrupted,) = alerts_between(BASE, stopped)
    assert interrupted.title == "Charging interrupted"
    assert "64 %" in interrupted.message
    assert _titles(stopped, full) == [], "only a change out of charging counts"


def _event(
    kind: EventKind, light: WarningLight | None = None, service: ServiceVisit | None = None
) -> EventReport:
    return EventReport(
        "JTDKARFU0R3000001", "m-1", BASE.reported_at, kind, light=light, service=service
    )


def test_a_warning_light_coming_on_is_an_alert_with_its_own_severity() -> None:
    light = WarningLight("brake_system", Severity.CRITICAL, "Stop when safe.")

    alert = event_alert(_event(EventKind.WARNING_LIGHT_ON, light=light))

    assert alert is not None
    assert (alert.type, alert.severity) == (NotificationType.ALERT, Severity.CRITICAL)
    assert alert.title == "Warning light: brake system"
    assert alert.message == "Stop when safe."


def test_a_service_visit_is_recorded_with_the_dealer_named() -> None:
    visit = ServiceVisit("oil", "Oil and filter changed", dealer_name="Plano Toyota")

    alert = event_alert(_event(EventKind.SERVICE_PERFORMED, service=visit))

    assert alert is not None
    assert alert.type is NotificationType.SERVICE
    assert alert.message == "Oil and filter changed at Plano Toyota."


def test_other_events_say_nothing() -> None:
    assert event_alert(_event(EventKind.WARNING_LIGHT_ON)) is None
    assert event_alert(_event(EventKind.SERVICE_PERFORMED)) is None


def test_a_failed_command_gives_the_vehicles_reason_or_its_code() -> None:
    said = command_failed_alert(CommandKind.LOCK, "DOOR_OPEN", "A door is open")
    silent = command_failed_alert(CommandKind.LOCK, "DOOR_OPEN", None)

    assert said.title == "Command lock failed"
    assert said.message == "A door is open"
    assert silent.message == "The vehicle refused the command (code DOOR_OPEN)."
    note = said.notification("n-1", 7, BASE.reported_at)
    assert (note.id, note.vehicle_id, note.created_at) == ("n-1", 7, BASE.reported_at)
    assert (note.title, note.is_read) == ("Command lock failed", False)
