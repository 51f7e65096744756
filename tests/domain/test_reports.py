"""How reports move the latest state: a sample keeps what it leaves out; door events move doors."""

import dataclasses
from datetime import UTC, datetime, timedelta

from fleetlink.domain.reports import (
    EventKind,
    EventReport,
    StateReport,
    apply_event,
    apply_report,
)
from fleetlink.domain.state import (
    ChargingStatus,
    Doors,
    OilLevel,
    Position,
    Severity,
    VehicleState,
    WarningLight,
    WindowPosition,
    Windows,
)

AT = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
VIN = "JTMAAAAA7PJ000001"
# Every field away from its default, so a field apply_report forgets to carry shows.
EVERYTHING = VehicleState(
    reported_at=AT,
    ignition_on=True,
    doors_locked=False,
    doors=Doors(front_left_open=True, trunk_open=True),
    windows=Windows(front_left=WindowPosition.OPEN),
    position=Position(33.0, -96.7, AT),
    is_parked=False,
    odometer_km=1234.5,
    battery_soc_pct=55.0,
    battery_range_km=200.0,
    fuel_level_pct=40.0,
    fuel_range_km=300.0,
    charging_status=ChargingStatus.CHARGING,
    plugged_in=True,
    charge_complete_at=AT + timedelta(hours=1),
    climate_running=True,
    cabin_temperature_c=24.0,
    oil_level=OilLevel.LOW,
    warning_lights=(WarningLight("check_engine", Severity.WARNING, "Check engine"),),
    maintenance_due=True,
    speed_kmh=48.0,
    engine_rpm=1_600.0,
    oil_temperature_c=92.0,
    charge_limit_pct=90.0,
)


def test_a_sample_that_says_little_keeps_every_other_field() -> None:
    later = AT + timedelta(seconds=30)

    after = apply_report(EVERYTHING, StateReport(VIN, "m", later, cabin_temperature_c=23.5))

    assert after == dataclasses.replace(EVERYTHING, reported_at=later, cabin_temperature_c=23.5)


def test_a_door_event_opens_and_closes_that_door_only() -> None:
    shut = dataclasses.replace(EVERYTHING, doors=Doors())

    opened = apply_event(shut, EventReport(VIN, "a", AT, EventKind.DOOR_OPENED, door="rear_left"))
    trunk = apply_event(opened, EventReport(VIN, "b", AT, EventKind.DOOR_OPENED, door="trunk"))
    closed = apply_event(trunk, EventReport(VIN, "c", AT, EventKind.DOOR_CLOSED, door="rear_left"))

    assert opened.doors == Doors(rear_left_open=True)
    assert closed.doors == Doors(trunk_open=True)


def test_an_event_keeps_every_field_it_says_nothing_of() -> None:
    later = AT + timedelta(seconds=30)
    event = EventReport(VIN, "e", later, EventKind.DOOR_OPENED, door="rear_right")

    after = apply_event(EVERYTHING, event)

    doors = dataclasses.replace(EVERYTHING.doors, rear_right_open=True)
    assert after == dataclasses.replace(EVERYTHING, reported_at=later, doors=doors)


def test_a_door_event_without_a_door_or_from_the_past_changes_no_door() -> None:
    shut = dataclasses.replace(EVERYTHING, doors=Doors())
    earlier = AT - timedelta(minutes=1)

    vague = apply_event(shut, EventReport(VIN, "a", AT, EventKind.DOOR_OPENED))
    late = apply_event(shut, EventReport(VIN, "b", earlier, EventKind.DOOR_OPENED, door="trunk"))

    assert vague.doors == late.doors == Doors()


def test_diagnostics_and_the_charge_limit_follow_the_samples_that_carry_them() -> None:
    later = AT + timedelta(seconds=30)
    sample = StateReport(
        VIN, "m", later, engine_rpm=2_100.0, oil_temperature_c=97.0, charge_limit_pct=80.0
    )

    after = apply_report(EVERYTHING, sample)

    assert (after.engine_rpm, after.oil_temperature_c, after.charge_limit_pct) == (
        2_100.0,
        97.0,
        80.0,
    )
    assert after.speed_kmh == 48.0


def test_a_vehicle_that_says_it_stopped_has_no_speed_left() -> None:
    after = apply_report(EVERYTHING, StateReport(VIN, "m", AT + timedelta(1), is_moving=False))

    assert after.speed_kmh == 0.0
    assert after.is_parked


def test_a_battery_at_its_charge_limit_is_fully_charged() -> None:
    plugged = VehicleState(reported_at=AT, plugged_in=True, charge_limit_pct=80.0)

    at_limit = apply_report(
        plugged, StateReport(VIN, "m", AT, battery_soc_pct=80.0, charging=False)
    )
    below = apply_report(plugged, StateReport(VIN, "n", AT, battery_soc_pct=79.0, charging=False))

    assert at_limit.charging_status is ChargingStatus.FULLY_CHARGED
    assert below.charging_status is ChargingStatus.PLUGGED_IN
