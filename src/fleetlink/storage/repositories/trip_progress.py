"""Trip detection's progress: one row per vehicle, the open trip's route encoded in one column.

The route stays encoded on its way through: detection appends to it without decoding it.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.tripprogress import OpenTrip, TripProgress
from fleetlink.domain.trips import RoutePoint
from fleetlink.storage.tables import trip_progress

_VALUE_COLUMNS = [c for c in trip_progress.c if c.name != "vehicle_id"]


def _row(p: TripProgress) -> dict[str, Any]:
    t = p.trip
    end = t.route_end if t else None
    return {
        "vehicle_id": p.vehicle_id,
        "seen_at": p.seen_at,
        "reports_ignition": p.reports_ignition,
        "ignition_on": p.ignition_on,
        "latitude": p.position.latitude if p.position else None,
        "longitude": p.position.longitude if p.position else None,
        "position_at": p.position.at if p.position else None,
        "anchor_latitude": p.anchor[0] if p.anchor else None,
        "anchor_longitude": p.anchor[1] if p.anchor else None,
        "odometer_km": p.odometer_km,
        "trip_started_at": t.started_at if t else None,
        "trip_start_odometer_km": t.start_odometer_km if t else None,
        "trip_odometer_km": t.odometer_km if t else None,
        "trip_gps_km": t.gps_km if t else 0.0,
        "trip_max_speed_kmh": t.max_speed_kmh if t else None,
        "trip_derived_max_speed_kmh": t.derived_max_speed_kmh if t else 0.0,
        "trip_stopped_at": t.stopped_at if t else None,
        "trip_route": t.route if t else "",
        "trip_route_points": t.route_points if t else 0,
        "trip_route_end_latitude": end.latitude if end else None,
        "trip_route_end_longitude": end.longitude if end else None,
        "trip_route_end_at": end.at if end else None,
        "soc_pct": p.soc_pct,
        "fuel_pct": p.fuel_pct,
        "trip_start_soc_pct": t.start_soc_pct if t else None,
        "trip_start_fuel_pct": t.start_fuel_pct if t else None,
    }


def _progress(row: Any) -> TripProgress:
    position = None
    if row.latitude is not None and row.longitude is not None:
        position = RoutePoint(row.latitude, row.longitude, row.position_at or row.seen_at)
    anchor = None
    if row.anchor_latitude is not None and row.anchor_longitude is not None:
        anchor = (row.anchor_latitude, row.anchor_longitude)
    trip = None
    if row.trip_started_at is not None:
        end = None
        if row.trip_route_end_at is not None:
            end = RoutePoint(
                row.trip_route_end_latitude, row.trip_route_end_longitude, row.trip_route_end_at
            )
        trip = OpenTrip(
            started_at=row.trip_started_at,
            route=row.trip_route,
            route_points=row.trip_route_points,
            route_end=end,
            start_odometer_km=row.trip_start_odometer_km,
            odometer_km=row.trip_odometer_km,
            gps_km=row.trip_gps_km,
            max_speed_kmh=row.trip_max_speed_kmh,
            derived_max_speed_kmh=row.trip_derived_max_speed_kmh,
            stopped_at=row.trip_stopped_at,
            start_soc_pct=row.trip_start_soc_pct,
            start_fuel_pct=row.trip_start_fuel_pct,
        )
    return TripProgress(
        vehicle_id=row.vehicle_id,
        seen_at=row.seen_at,
        reports_ignition=row.reports_ignition,
        ignition_on=row.ignition_on,
        position=position,
        anchor=anchor,
        odometer_km=row.odometer_km,
        trip=trip,
        soc_pct=row.soc_pct,
        fuel_pct=row.fuel_pct,
    )


class TripProgressRepository:
    """Reads and writes trip detection's progress."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get_many(self, vehicle_ids: Sequence[int]) -> dict[int, TripProgress]:
        """The progress of several vehicles in one query, locked until the transaction ends.

        Two servers ingesting the same vehicle take turns (PostgreSQL locks the rows; SQLite
        has one writer at a time), so neither finishes a trip from the other's stale view.
        Rows are locked in id order, so two batches cannot deadlock on each other.
        """
        if not vehicle_ids:
            return {}
        stmt = (
            select(trip_progress)
            .where(trip_progress.c.vehicle_id.in_(list(vehicle_ids)))
            .order_by(trip_progress.c.vehicle_id)
            .with_for_update()
        )
        return {row.vehicle_id: _progress(row) for row in await self._conn.execute(stmt)}

    async def add_many(self, progress: Sequence[TripProgress]) -> None:
        """Store the first progress of several vehicles, in one statement.

        A vehicle first seen by two servers at once is inserted twice: the second insert
        fails on the key, and its batch is retried from the stored progress.
        """
        rows = [_row(p) for p in progress if p.seen_at is not None]
        if rows:
            await self._conn.execute(insert(trip_progress), rows)

    async def update_many(self, progress: Sequence[TripProgress]) -> None:
        """Overwrite the stored progress of several vehicles, in one statement.

        Rows are updated in place, not replaced, so a writer waiting on get_many's lock
        reads the new values once it gets the row.
        """
        rows = [{f"new_{k}": v for k, v in _row(p).items()} for p in progress]
        if not rows:
            return
        stmt = (
            update(trip_progress)
            .where(trip_progress.c.vehicle_id == bindparam("new_vehicle_id"))
            .values({c.name: bindparam(f"new_{c.name}") for c in _VALUE_COLUMNS})
        )
        await self._conn.execute(stmt, rows)
