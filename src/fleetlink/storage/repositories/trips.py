"""Trips in the store: one row per trip, its route encoded in one column."""

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.trips import (
    RoutePoint,
    Trip,
    TripPage,
    TripQuery,
    decode_route,
    encode_route,
)
from fleetlink.storage.tables import trips

_SUMMARY_COLUMNS = [c for c in trips.c if c.name != "route"]


def _trip(row: Any, with_route: bool) -> Trip:
    return Trip(
        id=row.id,
        vehicle_id=row.vehicle_id,
        start=RoutePoint(row.start_latitude, row.start_longitude, row.start_at),
        end=RoutePoint(row.end_latitude, row.end_longitude, row.end_at),
        distance_km=row.distance_km,
        max_speed_kmh=row.max_speed_kmh,
        route=decode_route(row.route) if with_route else (),
        start_address=row.start_address,
        end_address=row.end_address,
        soc_from_pct=row.soc_from_pct,
        soc_to_pct=row.soc_to_pct,
        fuel_from_pct=row.fuel_from_pct,
        fuel_to_pct=row.fuel_to_pct,
    )


class TripRepository:
    """Reads and writes trips."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, new: Sequence[Trip]) -> None:
        """Insert trips in one statement."""
        if not new:
            return
        rows = [
            {
                "id": t.id,
                "vehicle_id": t.vehicle_id,
                "start_at": t.start.at,
                "end_at": t.end.at,
                "start_latitude": t.start.latitude,
                "start_longitude": t.start.longitude,
                "end_latitude": t.end.latitude,
                "end_longitude": t.end.longitude,
                "distance_km": t.distance_km,
                "max_speed_kmh": t.max_speed_kmh,
                "start_address": t.start_address,
                "end_address": t.end_address,
                "route": encode_route(t.route),
                "soc_from_pct": t.soc_from_pct,
                "soc_to_pct": t.soc_to_pct,
                "fuel_from_pct": t.fuel_from_pct,
                "fuel_to_pct": t.fuel_to_pct,
            }
            for t in new
        ]
        await self._conn.execute(insert(trips), rows)

    async def page(
        self, vehicle_id: int, query: TripQuery, *, since: datetime | None = None
    ) -> TripPage:
        """Trips that started within the query's dates (UTC) and since since, newest first."""
        start = datetime.combine(query.from_date, time.min, UTC)
        if since is not None:
            start = max(start, since)
        # The whole last day, without stepping past date.max.
        end = datetime.combine(query.to_date, time.max, UTC)
        where = (
            trips.c.vehicle_id == vehicle_id,
            trips.c.start_at >= start,
            trips.c.start_at <= end,
        )
        total = (await self._conn.execute(select(func.count()).where(*where))).scalar_one()
        columns = list(trips.c) if query.include_route else _SUMMARY_COLUMNS
        stmt = (
            select(*columns)
            .where(*where)
            .order_by(trips.c.start_at.desc(), trips.c.id)
            .limit(query.limit)
            .offset(query.offset)
        )
        rows = (await self._conn.execute(stmt)).all()
        return TripPage(tuple(_trip(r, query.include_route) for r in rows), int(total))

    async def between(self, vehicle_id: int, start: datetime, end: datetime) -> list[Trip]:
        """The vehicle's trips that started in [start, end), oldest first, without routes."""
        stmt = (
            select(*_SUMMARY_COLUMNS)
            .where(
                trips.c.vehicle_id == vehicle_id,
                trips.c.start_at >= start,
                trips.c.start_at < end,
            )
            .order_by(trips.c.start_at, trips.c.id)
        )
        return [_trip(r, False) for r in await self._conn.execute(stmt)]

    async def last_before(
        self, vehicle_id: int, at: datetime, *, since: datetime | None = None
    ) -> Trip | None:
        """The vehicle's last trip that started before at (and since since), without route."""
        where = [trips.c.vehicle_id == vehicle_id, trips.c.start_at < at]
        if since is not None:
            where.append(trips.c.start_at >= since)
        stmt = (
            select(*_SUMMARY_COLUMNS)
            .where(*where)
            .order_by(trips.c.start_at.desc(), trips.c.id)
            .limit(1)
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _trip(row, False)
