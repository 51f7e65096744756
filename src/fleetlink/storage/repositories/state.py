"""The latest reported state of each vehicle: one row per vehicle."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

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
from fleetlink.storage.tables import vehicle_state
from fleetlink.storage.tables.vehicles import STATE_GROUPS

_Insert = postgresql.Insert | sqlite.Insert


def _merging(dialect_name: str) -> _Insert:
    """One upsert that sets each group of columns only where the row's time is not newer.

    Each group's time column and its values are taken from the new row when the stored time is
    null or not newer, else kept: written in one statement for a whole batch, so that even
    writers that did not see each other's rows (two first samples of a vehicle, on two
    servers) cannot set a group back in time. reported_at keeps the newest.
    """
    stmt: _Insert = (
        postgresql.insert(vehicle_state)
        if dialect_name == "postgresql"
        else sqlite.insert(vehicle_state)
    )
    new, old = stmt.excluded, vehicle_state.c
    set_: dict[str, ColumnElement[Any]] = {}
    for time, columns in STATE_GROUPS.items():
        newer = or_(old[time].is_(None), new[time] >= old[time])
        for name in (time, *columns):
            set_[name] = case((newer, new[name]), else_=old[name])
    greatest = func.greatest if dialect_name == "postgresql" else func.max
    set_["reported_at"] = greatest(old.reported_at, new.reported_at)
    return stmt.on_conflict_do_update(index_elements=["vehicle_id"], set_=set_)


_MERGING = {name: _merging(name) for name in ("postgresql", "sqlite")}


def _row(vehicle_id: int, s: VehicleState) -> dict[str, Any]:
    t = s.times
    return {
        "vehicle_id": vehicle_id,
        "reported_at": s.reported_at,
        "ignition_on": s.ignition_on,
        "doors_locked": s.doors_locked,
        "door_front_left_open": s.doors.front_left_open,
        "door_front_right_open": s.doors.front_right_open,
        "door_rear_left_open": s.doors.rear_left_open,
        "door_rear_right_open": s.doors.rear_right_open,
        "trunk_open": s.doors.trunk_open,
        "window_front_left": s.windows.front_left.value,
        "window_front_right": s.windows.front_right.value,
        "window_rear_left": s.windows.rear_left.value,
        "window_rear_right": s.windows.rear_right.value,
        "latitude": s.position.latitude if s.position else None,
        "longitude": s.position.longitude if s.position else None,
        "position_at": s.position.at if s.position else None,
        "is_parked": s.is_parked,
        "odometer_km": s.odometer_km,
        "battery_soc_pct": s.battery_soc_pct,
        "battery_range_km": s.battery_range_km,
        "fuel_level_pct": s.fuel_level_pct,
        "fuel_range_km": s.fuel_range_km,
        "charging_status": s.charging_status.value if s.charging_status else None,
        "plugged_in": s.plugged_in,
        "charge_complete_at": s.charge_complete_at,
        "climate_running": s.climate_running,
        "cabin_temperature_c": s.cabin_temperature_c,
        "oil_level": s.oil_level.value if s.oil_level else None,
        "warning_lights": [
            {"name": w.name, "severity": w.severity.value, "description": w.description}
            for w in s.warning_lights
        ],
        "maintenance_due": s.maintenance_due,
        "speed_kmh": s.speed_kmh,
        "engine_rpm": s.engine_rpm,
        "oil_temperature_c": s.oil_temperature_c,
        "charge_limit_pct": s.charge_limit_pct,
        "ignition_at": t.ignition,
        "doors_at": t.doors,
        "locks_at": t.locks,
        "windows_at": t.windows,
        "motion_at": t.motion,
        "battery_at": t.battery,
        "charging_at": t.charging,
        "fuel_at": t.fuel,
        "climate_at": t.climate,
        "health_at": t.health,
    }


def state_from_row(row: Any) -> VehicleState:
    """A state from a row of vehicle_state (or anything with its columns as attributes)."""
    position = None
    if row.latitude is not None and row.longitude is not None:
        position = Position(row.latitude, row.longitude, row.position_at or row.reported_at)
    return VehicleState(
        reported_at=row.reported_at,
        ignition_on=row.ignition_on,
        doors_locked=row.doors_locked,
        doors=Doors(
            row.door_front_left_open,
            row.door_front_right_open,
            row.door_rear_left_open,
            row.door_rear_right_open,
            row.trunk_open,
        ),
        windows=Windows(
            WindowPosition(row.window_front_left),
            WindowPosition(row.window_front_right),
            WindowPosition(row.window_rear_left),
            WindowPosition(row.window_rear_right),
        ),
        position=position,
        is_parked=row.is_parked,
        odometer_km=row.odometer_km,
        battery_soc_pct=row.battery_soc_pct,
        battery_range_km=row.battery_range_km,
        fuel_level_pct=row.fuel_level_pct,
        fuel_range_km=row.fuel_range_km,
        charging_status=ChargingStatus(row.charging_status) if row.charging_status else None,
        plugged_in=row.plugged_in,
        charge_complete_at=row.charge_complete_at,
        climate_running=row.climate_running,
        cabin_temperature_c=row.cabin_temperature_c,
        oil_level=OilLevel(row.oil_level) if row.oil_level else None,
        warning_lights=tuple(
            WarningLight(w["name"], Severity(w["severity"]), w["description"])
            for w in row.warning_lights
        ),
        maintenance_due=row.maintenance_due,
        speed_kmh=row.speed_kmh,
        engine_rpm=row.engine_rpm,
        oil_temperature_c=row.oil_temperature_c,
        charge_limit_pct=row.charge_limit_pct,
        times=SignalTimes(
            row.ignition_at,
            row.doors_at,
            row.locks_at,
            row.windows_at,
            row.motion_at,
            row.battery_at,
            row.charging_at,
            row.fuel_at,
            row.climate_at,
            row.health_at,
        ),
    )


class VehicleStateRepository:
    """Reads and replaces the latest state."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, vehicle_id: int) -> VehicleState | None:
        """The latest state of one vehicle, if it ever reported."""
        stmt = select(vehicle_state).where(vehicle_state.c.vehicle_id == vehicle_id)
        row = (await self._conn.execute(stmt)).first()
        return state_from_row(row) if row else None

    async def get_many(
        self, vehicle_ids: Sequence[int], *, lock: bool = False
    ) -> dict[int, VehicleState]:
        """The latest states of several vehicles in one query, row-locked if asked.

        Locks are taken in id order, so two writers of overlapping batches cannot deadlock.
        """
        if not vehicle_ids:
            return {}
        stmt = (
            select(vehicle_state)
            .where(vehicle_state.c.vehicle_id.in_(sorted(vehicle_ids)))
            .order_by(vehicle_state.c.vehicle_id)
        )
        if lock:
            stmt = stmt.with_for_update()
        return {row.vehicle_id: state_from_row(row) for row in await self._conn.execute(stmt)}

    async def put_many(self, states: Mapping[int, VehicleState]) -> None:
        """Replace the latest state of several vehicles in one statement."""
        if not states:
            return
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(vehicle_state)
        # An upsert, not delete-then-insert: a row another writer has locked stays locked.
        upsert = stmt.on_conflict_do_update(
            index_elements=["vehicle_id"],
            set_={c.name: stmt.excluded[c.name] for c in vehicle_state.c if c.name != "vehicle_id"},
        )
        await self._conn.execute(upsert, [_row(vid, s) for vid, s in sorted(states.items())])

    async def merge_many(self, states: Mapping[int, VehicleState]) -> None:
        """Write what ingestion made of several vehicles' states, in one statement.

        Unlike put_many, a group of signals is written only where it is not older than the
        stored one (see _merging), so the newest value of each group wins whoever writes last.
        """
        if not states:
            return
        stmt = _MERGING["postgresql" if self._conn.dialect.name == "postgresql" else "sqlite"]
        await self._conn.execute(stmt, [_row(vid, s) for vid, s in sorted(states.items())])
