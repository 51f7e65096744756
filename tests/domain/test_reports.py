"""How reports move the latest state: a sample keeps what it leaves out; door events move doors."""

import dataclasses
from datetime import UTC, datetime, timedelta

from fleetlink.domain.applying import apply_event, apply_report
from fleetlink.domain.reports import (
    EventKind,
    EventReport,
    StateReport,
)
from fleetlink.domain.state import (
    ChargingStatus,
    Doors,
    OilLevel,
    Position,
    Severity,
    SignalTimes,
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
).stamped()


def test_a_sample_that_says_little_keeps_every_other_field() -> None:
    later = AT + timedelta(seconds=30)

    after = apply_report(EVERYTHING, StateReport(VIN, "m", later, cabin_temperature_c=23.5))

    assert after == dataclasses.replace(
        EVERYTHING,
        reported_at=later,
        cabin_temperature_c=23.5,
        times=EVERYTHING.times._replace(climate=later),
    )


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
    times = EVERYTHING.times._replace(doors=later)
    assert after == dataclasses.replace(EVERYTHING, reported_at=later, doors=doors, times=times)


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


def test_a_late_sample_sets_the_groups_it_is_newest_for_and_no_other() -> None:
    later = AT + timedelta(minutes=1)
    moved = apply_report(EVERYTHING, StateReport(VIN, "p", later, latitude=34.0, longitude=-97.0))
    battery_only = dataclasses.replace(
        moved, times=moved.times._replace(battery=AT - timedelta(hours=1))
    )

    late = StateReport(
        VIN, "late", AT - timedelta(minutes=5), battery_soc_pct=12.0, latitude=1.0, longitude=1.0
    )
    after = apply_report(battery_only, late)

    assert after.battery_soc_pct == 12.0
    assert after.times.battery == AT - timedelta(minutes=5)
    assert after.position == Position(34.0, -97.0, later)
    assert after.reported_at == later


def test_a_sample_older_than_every_group_it_carries_changes_nothing() -> None:
    late = StateReport(VIN, "late", AT - timedelta(seconds=1), battery_soc_pct=1.0, speed_kmh=3.0)

    assert apply_report(EVERYTHING, late) == EVERYTHING


def test_a_first_sample_gives_times_only_to_the_groups_it_carries() -> None:
    first = apply_report(None, StateReport(VIN, "m", AT, battery_soc_pct=50.0))

    assert first.times == SignalTimes(battery=AT)
    assert first.group_times() == {"battery": AT}


def test_a_late_event_cannot_undo_newer_ignition_but_lights_its_lamp() -> None:
    earlier = AT - timedelta(minutes=1)
    light = WarningLight("abs", Severity.WARNING, "ABS")

    off = apply_event(EVERYTHING, EventReport(VIN, "a", earlier, EventKind.IGNITION_OFF))
    lit = apply_event(off, EventReport(VIN, "b", earlier, EventKind.WARNING_LIGHT_ON, light=light))

    assert (off.ignition_on, off.times.ignition) == (True, AT)
    assert light in lit.warning_lights
    assert lit.times.health == AT
