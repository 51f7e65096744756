"""Notifications and service records in the store."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.notifications import (
    Notification,
    NotificationPage,
    NotificationType,
    ServiceRecord,
)
from fleetlink.domain.state import Severity
from fleetlink.storage.tables import notifications, service_records
from fleetlink.storage.text import storable


def _notification(row: Any) -> Notification:
    return Notification(
        id=row.id,
        vehicle_id=row.vehicle_id,
        type=NotificationType(row.type),
        severity=Severity(row.severity),
        title=row.title,
        message=row.message,
        created_at=row.created_at,
        is_read=row.is_read,
    )


class NotificationRepository:
    """Reads and writes notifications."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, new: Sequence[Notification]) -> None:
        """Insert notifications in one statement."""
        if not new:
            return
        rows = [
            {
                "id": n.id,
                "vehicle_id": n.vehicle_id,
                "type": n.type.value,
                "severity": n.severity.value,
                "title": n.title,
                "message": n.message,
                "is_read": n.is_read,
                "created_at": n.created_at,
            }
            for n in new
        ]
        await self._conn.execute(insert(notifications), rows)

    async def page(
        self, vehicle_id: int, unread_only: bool, *, since: datetime | None = None
    ) -> NotificationPage:
        """Notifications (created since since) newest first, with counts over all of them."""
        where = [notifications.c.vehicle_id == vehicle_id]
        if since is not None:
            where.append(notifications.c.created_at >= since)
        counts = select(
            func.count(),
            func.coalesce(func.sum(case((notifications.c.is_read.is_(False), 1), else_=0)), 0),
        ).where(*where)
        total, unread = (await self._conn.execute(counts)).one()
        stmt = select(notifications).where(*where)
        if unread_only:
            stmt = stmt.where(notifications.c.is_read.is_(False))
        stmt = stmt.order_by(notifications.c.created_at.desc(), notifications.c.id)
        rows = await self._conn.execute(stmt)
        return NotificationPage(tuple(_notification(r) for r in rows), int(total), int(unread))

    async def mark_read(
        self, vehicle_id: int, ids: Sequence[str], *, since: datetime | None = None
    ) -> int:
        """Mark the vehicle's notifications with these ids (created since since) read; an id
        no database can hold names none."""
        ids = [i for i in ids if storable(i)]
        if not ids:
            return 0
        where = [
            notifications.c.vehicle_id == vehicle_id,
            notifications.c.id.in_(list(ids)),
            notifications.c.is_read.is_(False),
        ]
        if since is not None:
            where.append(notifications.c.created_at >= since)
        result = await self._conn.execute(update(notifications).where(*where).values(is_read=True))
        return int(result.rowcount or 0)


def _record(row: Any) -> ServiceRecord:
    return ServiceRecord(
        id=row.id,
        vehicle_id=row.vehicle_id,
        category=row.category,
        description=row.description,
        service_date=row.service_date,
        odometer_km=row.odometer_km,
        dealer_code=row.dealer_code,
        dealer_name=row.dealer_name,
    )


class ServiceRecordRepository:
    """Reads and writes service records."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, new: Sequence[ServiceRecord]) -> None:
        """Insert service records in one statement."""
        if new:
            await self._conn.execute(insert(service_records), _record_rows(new))

    async def add_new(self, new: Sequence[ServiceRecord]) -> None:
        """Insert the records whose id is not stored yet, in one statement."""
        if not new:
            return
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(service_records).on_conflict_do_nothing(index_elements=["id"])
        await self._conn.execute(stmt, _record_rows(new))

    async def for_vehicle(self, vehicle_id: int) -> list[ServiceRecord]:
        """Every record of the vehicle, newest first."""
        stmt = (
            select(service_records)
            .where(service_records.c.vehicle_id == vehicle_id)
            .order_by(service_records.c.service_date.desc(), service_records.c.id)
        )
        return [_record(r) for r in await self._conn.execute(stmt)]


def _record_rows(new: Sequence[ServiceRecord]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "vehicle_id": r.vehicle_id,
            "category": r.category,
            "description": r.description,
            "service_date": r.service_date,
            "odometer_km": r.odometer_km,
            "dealer_code": r.dealer_code,
            "dealer_name": r.dealer_name,
        }
        for r in new
    ]
