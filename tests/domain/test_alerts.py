"""Owners hear about oil, maintenance and charging when the state changes, once."""

from dataclasses import replace
from datetime import UTC, datetime

from fleetlink.domain.alerts import alerts_between
from fleetlink.domain.notifications import NotificationType
from fleetlink.domain.state import ChargingStatus, OilLevel, Severity, VehicleState

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
