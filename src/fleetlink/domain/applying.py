"""How a report moves a vehicle's latest state: each group of signals only forward in time."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from fleetlink.domain.reports import TRUNK, Door, EventKind, EventReport, StateReport
from fleetlink.domain.state import (
    ChargingStatus,
    Doors,
    Position,
    SignalTimes,
    VehicleState,
    Windows,
)

FULL_BATTERY_PCT = 99.0
_T = TypeVar("_T")


def _doors(doors: Doors, r: StateReport) -> Doors:
    o = r.doors_open
    if not o and r.trunk_open is None:
        return doors  # a sample on the move says nothing of doors
    return Doors(
        front_left_open=o.get(Door.FRONT_LEFT, doors.front_left_open),
        front_right_open=o.get(Door.FRONT_RIGHT, doors.front_right_open),
        rear_left_open=o.get(Door.REAR_LEFT, doors.rear_left_open),
        rear_right_open=o.get(Door.REAR_RIGHT, doors.rear_right_open),
        trunk_open=doors.trunk_open if r.trunk_open is None else r.trunk_open,
    )


def _windows(windows: Windows, r: StateReport) -> Windows:
    w = r.windows
    if not w:
        return windows
    return Windows(
        front_left=w.get(Door.FRONT_LEFT, windows.front_left),
        front_right=w.get(Door.FRONT_RIGHT, windows.front_right),
        rear_left=w.get(Door.REAR_LEFT, windows.rear_left),
        rear_right=w.get(Door.REAR_RIGHT, windows.rear_right),
    )


def _charging_status(
    plugged: bool | None, charging: bool | None, soc: float | None, limit: float | None
) -> ChargingStatus | None:
    if plugged is None and charging is None:
        return None
    if charging:
        return ChargingStatus.CHARGING
    if not plugged:
        return ChargingStatus.NOT_CHARGING
    # Full means as full as the owner let it get.
    if soc is not None and soc >= min(FULL_BATTERY_PCT, limit or FULL_BATTERY_PCT):
        return ChargingStatus.FULLY_CHARGED
    return ChargingStatus.PLUGGED_IN


def _pick(new: _T | None, old: _T) -> _T:
    return old if new is None else new


def _takes(at: datetime, carried: bool, stored: datetime | None) -> bool:
    """Whether a sample at `at` sets a group: it carries one of its signals, and is not older."""
    return carried and (stored is None or at >= stored)


def _later(stored: datetime | None, at: datetime) -> datetime:
    return at if stored is None or at > stored else stored


def apply_report(state: VehicleState | None, r: StateReport) -> VehicleState:
    """The state after a sample: each group of signals it carries, unless the group is newer.

    So samples about different signals, arriving in any order, never undo each other, and a
    value keeps the vehicle's own time of when it was measured (SignalTimes).
    """
    if state is None:
        state = VehicleState(reported_at=r.at)
    at = r.at
    t = state.times
    # Inline rather than through a helper: ingestion runs this once per sample. A group is
    # set when the sample carries one of its signals and the group's time is not newer.
    ignition = r.ignition_on is not None and (t.ignition is None or at >= t.ignition)
    doors = (bool(r.doors_open) or r.trunk_open is not None) and (t.doors is None or at >= t.doors)
    locks = bool(r.doors_locked) and (t.locks is None or at >= t.locks)
    windows = bool(r.windows) and (t.windows is None or at >= t.windows)
    motion = (
        r.speed_kmh is not None
        or r.is_moving is not None
        or r.odometer_km is not None
        or r.engine_rpm is not None
    ) and (t.motion is None or at >= t.motion)
    battery = (r.battery_soc_pct is not None or r.battery_range_km is not None) and (
        t.battery is None or at >= t.battery
    )
    charge = (
        r.plugged_in is not None
        or r.charging is not None
        or r.charge_time_remaining_s is not None
        or r.charge_limit_pct is not None
    ) and (t.charging is None or at >= t.charging)
    fuel = (r.fuel_level_pct is not None or r.fuel_range_km is not None) and (
        t.fuel is None or at >= t.fuel
    )
    climate = (r.climate_running is not None or r.cabin_temperature_c is not None) and (
        t.climate is None or at >= t.climate
    )
    health = (
        r.oil_level is not None or r.maintenance_due is not None or r.oil_temperature_c is not None
    ) and (t.health is None or at >= t.health)
    position = state.position
    if (
        r.latitude is not None
        and r.longitude is not None
        and (position is None or at >= position.at)
    ):
        position = Position(r.latitude, r.longitude, at)
    locked = state.doors_locked
    if locks:
        # The car is locked when every door it reported is; doors it did not report keep theirs.
        locked = all(r.doors_locked.values()) and (len(r.doors_locked) == len(Door) or locked)
    soc = _pick(r.battery_soc_pct, state.battery_soc_pct) if battery else state.battery_soc_pct
    status = state.charging_status
    complete_at = state.charge_complete_at
    limit = state.charge_limit_pct
    plugged = state.plugged_in
    charging_at = t.charging
    if charge or battery:
        # The charging status follows the battery too: full is as full as the owner allows.
        if charge:
            plugged = _pick(r.plugged_in, plugged)
            limit = _pick(r.charge_limit_pct, limit)
        was_charging = status is ChargingStatus.CHARGING
        charging = _pick(r.charging if charge else None, was_charging if status else None)
        status = _charging_status(plugged, charging, soc, limit) or status
        complete_at = complete_at if status is ChargingStatus.CHARGING else None
        if charge and r.charge_time_remaining_s is not None and status is ChargingStatus.CHARGING:
            complete_at = at + timedelta(seconds=r.charge_time_remaining_s)
        if charge or status is not state.charging_status:
            charging_at = _later(charging_at, at)
    moving = None
    if motion:
        moving = r.is_moving
        if moving is None and r.speed_kmh is not None:
            moving = r.speed_kmh > 0
    # Built whole rather than with replace(), which costs twice as much: ingestion runs this
    # once per sample. A field added to VehicleState must be named here too (a test checks).
    return VehicleState(
        reported_at=_later(state.reported_at, at),
        ignition_on=_pick(r.ignition_on, state.ignition_on) if ignition else state.ignition_on,
        doors_locked=locked,
        doors=_doors(state.doors, r) if doors else state.doors,
        windows=_windows(state.windows, r) if windows else state.windows,
        position=position,
        is_parked=state.is_parked if moving is None else not moving,
        odometer_km=_pick(r.odometer_km, state.odometer_km) if motion else state.odometer_km,
        battery_soc_pct=soc,
        battery_range_km=(
            _pick(r.battery_range_km, state.battery_range_km) if battery else state.battery_range_km
        ),
        fuel_level_pct=(
            _pick(r.fuel_level_pct, state.fuel_level_pct) if fuel else state.fuel_level_pct
        ),
        fuel_range_km=_pick(r.fuel_range_km, state.fuel_range_km) if fuel else state.fuel_range_km,
        charging_status=status,
        plugged_in=plugged,
        charge_complete_at=complete_at,
        climate_running=(
            _pick(r.climate_running, state.climate_running) if climate else state.climate_running
        ),
        cabin_temperature_c=(
            _pick(r.cabin_temperature_c, state.cabin_temperature_c)
            if climate
            else state.cabin_temperature_c
        ),
        oil_level=_pick(r.oil_level, state.oil_level) if health else state.oil_level,
        warning_lights=state.warning_lights,
        maintenance_due=(
            _pick(r.maintenance_due, state.maintenance_due) if health else state.maintenance_due
        ),
        # A unit that says it stopped has stopped, though it may not send its speed.
        speed_kmh=(
            _pick(r.speed_kmh, 0.0 if moving is False else state.speed_kmh)
            if motion
            else state.speed_kmh
        ),
        engine_rpm=_pick(r.engine_rpm, state.engine_rpm) if motion else state.engine_rpm,
        oil_temperature_c=(
            _pick(r.oil_temperature_c, state.oil_temperature_c)
            if health
            else state.oil_temperature_c
        ),
        charge_limit_pct=limit,
        times=SignalTimes(
            ignition=at if ignition else t.ignition,
            doors=at if doors else t.doors,
            locks=at if locks else t.locks,
            windows=at if windows else t.windows,
            motion=at if motion else t.motion,
            battery=at if battery else t.battery,
            charging=charging_at,
            fuel=at if fuel else t.fuel,
            climate=at if climate else t.climate,
            health=at if health else t.health,
        ),
    )


def apply_event(state: VehicleState | None, e: EventReport) -> VehicleState:
    """The state after an event: ignition and doors unless newer, and warning lights.

    A late event still lights or clears its lamp, but cannot undo newer ignition or doors.
    """
    if state is None:
        state = VehicleState(reported_at=e.at)
    t = state.times
    lights = {light.name: light for light in state.warning_lights}
    ignition = state.ignition_on
    ignition_at = t.ignition
    health_at = t.health
    if e.kind in (EventKind.IGNITION_ON, EventKind.IGNITION_OFF):
        if _takes(e.at, True, t.ignition):
            ignition, ignition_at = e.kind is EventKind.IGNITION_ON, e.at
    elif e.kind is EventKind.WARNING_LIGHT_ON and e.light is not None:
        lights[e.light.name] = e.light
        health_at = _later(health_at, e.at)
    elif e.kind is EventKind.WARNING_LIGHT_OFF and e.light is not None:
        lights.pop(e.light.name, None)
        health_at = _later(health_at, e.at)
    doors = state.doors
    doors_at = t.doors
    if (
        e.door is not None
        and e.kind in (EventKind.DOOR_OPENED, EventKind.DOOR_CLOSED)
        and _takes(e.at, True, t.doors)
    ):
        field = "trunk_open" if e.door == TRUNK else f"{e.door}_open"
        doors = replace(doors, **{field: e.kind is EventKind.DOOR_OPENED})
        doors_at = e.at
    # Built whole, as in apply_report: a quarter of all reports are events (a test checks
    # that every field is carried).
    return VehicleState(
        reported_at=_later(state.reported_at, e.at),
        ignition_on=ignition,
        doors_locked=state.doors_locked,
        doors=doors,
        windows=state.windows,
        position=state.position,
        is_parked=state.is_parked,
        odometer_km=state.odometer_km,
        battery_soc_pct=state.battery_soc_pct,
        battery_range_km=state.battery_range_km,
        fuel_level_pct=state.fuel_level_pct,
        fuel_range_km=state.fuel_range_km,
        charging_status=state.charging_status,
        plugged_in=state.plugged_in,
        charge_complete_at=state.charge_complete_at,
        climate_running=state.climate_running,
        cabin_temperature_c=state.cabin_temperature_c,
        oil_level=state.oil_level,
        warning_lights=tuple(lights.values()),
        maintenance_due=state.maintenance_due,
        speed_kmh=state.speed_kmh,
        engine_rpm=state.engine_rpm,
        oil_temperature_c=state.oil_temperature_c,
        charge_limit_pct=state.charge_limit_pct,
        times=SignalTimes(
            ignition=ignition_at,
            doors=doors_at,
            locks=t.locks,
            windows=t.windows,
            motion=t.motion,
            battery=t.battery,
            charging=t.charging,
            fuel=t.fuel,
            climate=t.climate,
            health=health_at,
        ),
    )
