"""Charging sessions in the store, and charging detection's progress: one row per vehicle."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.chargedetect import ChargeProgress, OpenCharge
from fleetlink.domain.charging import (
    ChargingPage,
    ChargingQuery,
    ChargingSession,
    Current,
    CurvePoint,
)
from fleetlink.storage.tables import charge_progress, charging_sessions
from fleetlink.storage.text import storable

_SUMMARY_COLUMNS = [c for c in charging_sessions.c if c.name != "curve"]
_VALUE_COLUMNS = [c for c in charge_progress.c if c.name != "vehicle_id"]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _curve_value(curve: Sequence[CurvePoint]) -> list[list[float | None]]:
    # Microseconds since the epoch, as integers: exact, so a curve's first point is the
    # session's start to the microsecond (a float of seconds is not).
    return [[(p.at - _EPOCH) // _MICROSECOND, p.soc_pct, p.power_kw] for p in curve]


def _curve(value: Sequence[Sequence[Any]]) -> tuple[CurvePoint, ...]:
    return tuple(CurvePoint(_EPOCH + t * _MICROSECOND, soc, kw) for t, soc, kw in value)


def _session(row: Any, with_curve: bool) -> ChargingSession:
    return ChargingSession(
        id=row.id,
        vehicle_id=row.vehicle_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        latitude=row.latitude,
        longitude=row.longitude,
        soc_from_pct=row.soc_from_pct,
        soc_to_pct=row.soc_to_pct,
        energy_added_kwh=row.energy_added_kwh,
        peak_power_kw=row.peak_power_kw,
        mean_power_kw=row.mean_power_kw,
        current=Current(row.current),
        curve=_curve(row.curve) if with_curve else (),
    )


class ChargingSessionRepository:
    """Reads and writes charging sessions."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, new: Sequence[ChargingSession]) -> None:
        """Insert sessions in one statement; one already stored (same id) is kept as it is."""
        if not new:
            return
        rows = [
            {
                "id": s.id,
                "vehicle_id": s.vehicle_id,
                "started_at": s.started_at,
                "ended_at": s.ended_at,
                "latitude": s.latitude,
                "longitude": s.longitude,
                "soc_from_pct": s.soc_from_pct,
                "soc_to_pct": s.soc_to_pct,
                "energy_added_kwh": s.energy_added_kwh,
                "peak_power_kw": s.peak_power_kw,
                "mean_power_kw": s.mean_power_kw,
                "current": s.current.value,
                "curve": _curve_value(s.curve),
            }
            for s in new
        ]
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(charging_sessions).on_conflict_do_nothing(index_elements=["id"])
        await self._conn.execute(stmt, rows)

    def _within(self, vehicle_id: int, start: datetime | None, end: datetime | None) -> list[Any]:
        where = [charging_sessions.c.vehicle_id == vehicle_id]
        if start is not None:
            where.append(charging_sessions.c.started_at >= start)
        if end is not None:
            where.append(charging_sessions.c.started_at < end)
        return where

    async def page(
        self, vehicle_id: int, query: ChargingQuery, *, since: datetime | None = None
    ) -> ChargingPage:
        """Sessions that started within the query's range and since since, newest first."""
        start = query.start
        if since is not None:
            start = since if start is None else max(start, since)
        where = self._within(vehicle_id, start, query.end)
        total = (await self._conn.execute(select(func.count()).where(*where))).scalar_one()
        stmt = (
            select(*_SUMMARY_COLUMNS)
            .where(*where)
            .order_by(charging_sessions.c.started_at.desc(), charging_sessions.c.id)
            .limit(query.limit)
            .offset(query.offset)
        )
        rows = await self._conn.execute(stmt)
        return ChargingPage(tuple(_session(r, False) for r in rows), int(total))

    async def get(self, vehicle_id: int, session_id: str) -> ChargingSession | None:
        """One of the vehicle's sessions, with its curve."""
        if not storable(session_id):
            return None
        stmt = select(charging_sessions).where(
            charging_sessions.c.vehicle_id == vehicle_id, charging_sessions.c.id == session_id
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _session(row, True)

    async def between(
        self, vehicle_id: int, start: datetime, end: datetime
    ) -> list[ChargingSession]:
        """The vehicle's sessions that started in [start, end), oldest first, without curves."""
        stmt = (
            select(*_SUMMARY_COLUMNS)
            .where(*self._within(vehicle_id, start, end))
            .order_by(charging_sessions.c.started_at)
        )
        return [_session(r, False) for r in await self._conn.execute(stmt)]


def _progress_row(p: ChargeProgress) -> dict[str, Any]:
    o = p.session
    return {
        "vehicle_id": p.vehicle_id,
        "seen_at": p.seen_at,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "soc_pct": p.soc_pct,
        "power_kw": p.power_kw,
        "plugged_in": p.plugged_in,
        "charging": p.charging,
        "session_started_at": o.started_at if o else None,
        "session_latitude": o.latitude if o else None,
        "session_longitude": o.longitude if o else None,
        "session_soc_from_pct": o.soc_from_pct if o else None,
        "session_soc_to_pct": o.soc_to_pct if o else None,
        "session_energy_kwh": o.energy_kwh if o else 0.0,
        "session_peak_power_kw": o.peak_power_kw if o else None,
        "session_last_at": o.last_at if o else None,
        "session_curve": _curve_value(o.curve) if o else [],
    }


def _progress(row: Any) -> ChargeProgress:
    session = None
    if row.session_started_at is not None:
        session = OpenCharge(
            started_at=row.session_started_at,
            latitude=row.session_latitude,
            longitude=row.session_longitude,
            soc_from_pct=row.session_soc_from_pct,
            soc_to_pct=row.session_soc_to_pct,
            energy_kwh=row.session_energy_kwh,
            peak_power_kw=row.session_peak_power_kw,
            last_at=row.session_last_at,
            curve=_curve(row.session_curve),
        )
    return ChargeProgress(
        vehicle_id=row.vehicle_id,
        seen_at=row.seen_at,
        latitude=row.latitude,
        longitude=row.longitude,
        soc_pct=row.soc_pct,
        power_kw=row.power_kw,
        plugged_in=row.plugged_in,
        charging=row.charging,
        session=session,
    )


class ChargeProgressRepository:
    """Reads and writes charging detection's progress."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get_many(self, vehicle_ids: Sequence[int]) -> dict[int, ChargeProgress]:
        """The progress of several vehicles in one query, locked until the transaction ends
        (in id order, as trip progress is: two batches take turns and cannot deadlock)."""
        if not vehicle_ids:
            return {}
        stmt = (
            select(charge_progress)
            .where(charge_progress.c.vehicle_id.in_(list(vehicle_ids)))
            .order_by(charge_progress.c.vehicle_id)
            .with_for_update()
        )
        return {row.vehicle_id: _progress(row) for row in await self._conn.execute(stmt)}

    async def add_many(self, progress: Sequence[ChargeProgress]) -> None:
        """Store the first progress of several vehicles, in one statement."""
        rows = [_progress_row(p) for p in progress if p.seen_at is not None]
        if rows:
            await self._conn.execute(charge_progress.insert(), rows)

    async def update_many(self, progress: Sequence[ChargeProgress]) -> None:
        """Overwrite the stored progress of several vehicles, in one statement."""
        rows = [{f"new_{k}": v for k, v in _progress_row(p).items()} for p in progress]
        if not rows:
            return
        stmt = (
            update(charge_progress)
            .where(charge_progress.c.vehicle_id == bindparam("new_vehicle_id"))
            .values({c.name: bindparam(f"new_{c.name}") for c in _VALUE_COLUMNS})
        )
        await self._conn.execute(stmt, rows)
