"""Fleet vehicles and the history of their clearance."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.clearance import ClearanceChange, ClearanceStatus, FleetVehicle, can_move
from fleetlink.domain.errors import InvalidTransition
from fleetlink.storage.tables import (
    fleet_vehicle_events,
    fleet_vehicles,
    oauth_clients,
)


def fleet_vehicle_from_row(row: Any) -> FleetVehicle:
    """An entry from a row of fleet_vehicles (or anything with its columns as attributes)."""
    return FleetVehicle(
        id=row.id,
        client_id=row.client_id,
        vin=row.vin,
        brand=row.brand,
        license_plate=row.license_plate,
        vehicle_id=row.vehicle_id,
        status=ClearanceStatus(row.status),
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        settle_at=row.settle_at,
        removed_at=row.removed_at,
    )


class FleetRepository:
    """A fleet's registered VINs and their clearance, in one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, client_id: str, vin: str) -> FleetVehicle | None:
        """The fleet's entry for vin, removed or not."""
        row = (await self._conn.execute(_ENTRY, {"client": client_id, "vin": vin})).first()
        return fleet_vehicle_from_row(row) if row else None

    async def in_fleet(self, client_id: str) -> list[FleetVehicle]:
        """The fleet's vehicles, oldest registration first."""
        stmt = (
            select(fleet_vehicles)
            .where(fleet_vehicles.c.client_id == client_id, fleet_vehicles.c.removed_at.is_(None))
            .order_by(fleet_vehicles.c.created_at, fleet_vehicles.c.vin)
        )
        return [fleet_vehicle_from_row(row) for row in await self._conn.execute(stmt)]

    async def add(self, vehicle: FleetVehicle) -> FleetVehicle:
        """Insert a new entry; a clash on (client, VIN) means another request won the race."""
        result = await self._conn.execute(
            insert(fleet_vehicles)
            .values(client_id=vehicle.client_id, vin=vehicle.vin, **_registration(vehicle))
            .returning(fleet_vehicles.c.id)
        )
        return replace(vehicle, id=result.scalar_one())

    async def reopen(self, vehicle: FleetVehicle, was: ClearanceStatus) -> bool:
        """Register a removed or settled-against entry again; False if it moved meanwhile."""
        result = await self._conn.execute(
            update(fleet_vehicles)
            .where(fleet_vehicles.c.id == vehicle.id, fleet_vehicles.c.status == was.value)
            .values(**_registration(vehicle), removed_at=None)
        )
        return result.rowcount > 0

    async def has_due(self, client_id: str | None, now: datetime) -> bool:
        """Whether any pending clearance (of client_id, or of anyone) is due to settle."""
        if client_id is None:
            stmt = select(exists().where(*_due(client_id, now)))
            return bool((await self._conn.execute(stmt)).scalar())
        # Asked on a fleet's charging and settling reads: one statement, cached once.
        return bool(await self._conn.scalar(_CLIENT_HAS_DUE, {"client": client_id, "now": now}))

    async def due(
        self, client_id: str | None, now: datetime, limit: int | None = None
    ) -> list[FleetVehicle]:
        """Pending clearances whose settling time has come (at most limit of them)."""
        stmt = select(fleet_vehicles).where(*_due(client_id, now)).order_by(fleet_vehicles.c.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [fleet_vehicle_from_row(row) for row in await self._conn.execute(stmt)]

    async def move(
        self,
        ids: Sequence[int],
        was: ClearanceStatus,
        change: ClearanceChange,
        *,
        removed: bool = False,
    ) -> list[int]:
        """Move those of ids still in status was; returns the ids that moved."""
        if not can_move(was, change.status):
            raise InvalidTransition(f"a {was.value} clearance cannot become {change.status.value}")
        if not ids:
            return []
        values: dict[str, Any] = {
            "status": change.status.value,
            "reason": change.reason,
            "updated_at": change.at,
            "settle_at": None,
        }
        if removed:
            values["removed_at"] = change.at
        result = await self._conn.execute(
            update(fleet_vehicles)
            .where(fleet_vehicles.c.id.in_(list(ids)), fleet_vehicles.c.status == was.value)
            .values(**values)
            .returning(fleet_vehicles.c.id)
        )
        return [row.id for row in result]

    async def settle(
        self, ids: Sequence[int], status: ClearanceStatus, reason: str
    ) -> list[tuple[int, datetime]]:
        """Settle those of ids still pending, each at its own settling time; (id, time) moved."""
        if not ids:
            return []
        result = await self._conn.execute(
            update(fleet_vehicles)
            .where(
                fleet_vehicles.c.id.in_(list(ids)),
                fleet_vehicles.c.status == ClearanceStatus.PENDING.value,
            )
            # SET reads the row as it was, so updated_at takes the settling time.
            .values(
                status=status.value,
                reason=reason,
                updated_at=fleet_vehicles.c.settle_at,
                settle_at=None,
            )
            .returning(fleet_vehicles.c.id, fleet_vehicles.c.updated_at)
        )
        return [(row.id, row.updated_at) for row in result]

    async def mark_removed(self, vehicle_id: int, at: datetime) -> None:
        """Take an entry out of the fleet, whatever its status, keeping its history."""
        await self._conn.execute(
            update(fleet_vehicles)
            .where(fleet_vehicles.c.id == vehicle_id)
            .values(removed_at=at, updated_at=at, settle_at=None)
        )

    async def record(self, changes: Sequence[tuple[int, ClearanceChange]]) -> None:
        """Keep changes in the history, in one statement."""
        if not changes:
            return
        await self._conn.execute(
            insert(fleet_vehicle_events),
            [
                {
                    "fleet_vehicle_id": fleet_vehicle_id,
                    "status": change.status.value,
                    "reason": change.reason,
                    "at": change.at,
                }
                for fleet_vehicle_id, change in changes
            ],
        )

    async def history(self, fleet_vehicle_id: int) -> list[ClearanceChange]:
        """Every change of one entry's clearance, oldest first."""
        stmt = (
            select(fleet_vehicle_events)
            .where(fleet_vehicle_events.c.fleet_vehicle_id == fleet_vehicle_id)
            .order_by(fleet_vehicle_events.c.at, fleet_vehicle_events.c.id)
        )
        return [
            ClearanceChange(ClearanceStatus(row.status), row.reason, row.at)
            for row in await self._conn.execute(stmt)
        ]

    async def requests_for(self, vehicle_ids: Sequence[int]) -> list[tuple[FleetVehicle, str]]:
        """Fleets' entries for these vehicles, with each fleet's name (for their owner)."""
        if not vehicle_ids:
            return []
        stmt = (
            select(fleet_vehicles, oauth_clients.c.name.label("client_name"))
            .join(oauth_clients, oauth_clients.c.client_id == fleet_vehicles.c.client_id)
            .where(
                fleet_vehicles.c.vehicle_id.in_(list(vehicle_ids)),
                fleet_vehicles.c.removed_at.is_(None),
                oauth_clients.c.revoked_at.is_(None),
            )
            .order_by(fleet_vehicles.c.created_at, fleet_vehicles.c.id)
        )
        rows = await self._conn.execute(stmt)
        return [(fleet_vehicle_from_row(row), row.client_name) for row in rows]

    async def approved_of(self, vehicle_ids: Sequence[int]) -> list[int]:
        """The ids of the entries of every fleet holding an approved clearance of the vehicles."""
        if not vehicle_ids:
            return []
        stmt = select(fleet_vehicles.c.id).where(
            fleet_vehicles.c.vehicle_id.in_(list(vehicle_ids)),
            fleet_vehicles.c.status == ClearanceStatus.APPROVED.value,
            fleet_vehicles.c.removed_at.is_(None),
        )
        return [row.id for row in await self._conn.execute(stmt)]

    async def by_id(self, fleet_vehicle_id: int) -> FleetVehicle | None:
        """One entry by its store id."""
        stmt = select(fleet_vehicles).where(fleet_vehicles.c.id == fleet_vehicle_id)
        row = (await self._conn.execute(stmt)).first()
        return fleet_vehicle_from_row(row) if row else None


# The hot reads of a fleet's vehicle data, as one statement object each (keyed in
# SQLAlchemy's compiled cache once, rather than built and keyed on every request).
_ENTRY = select(fleet_vehicles).where(
    fleet_vehicles.c.client_id == bindparam("client"), fleet_vehicles.c.vin == bindparam("vin")
)
_CLIENT_HAS_DUE = select(
    exists().where(
        fleet_vehicles.c.status == ClearanceStatus.PENDING.value,
        fleet_vehicles.c.settle_at <= bindparam("now"),
        fleet_vehicles.c.client_id == bindparam("client"),
    )
)


def _due(client_id: str | None, now: datetime) -> list[Any]:
    conditions = [
        fleet_vehicles.c.status == ClearanceStatus.PENDING.value,
        fleet_vehicles.c.settle_at <= now,
    ]
    if client_id is not None:
        conditions.append(fleet_vehicles.c.client_id == client_id)
    return conditions


def _registration(vehicle: FleetVehicle) -> dict[str, Any]:
    """What a (re-)registration writes, beside the fleet and the VIN."""
    return {
        "brand": vehicle.brand,
        "license_plate": vehicle.license_plate,
        "vehicle_id": vehicle.vehicle_id,
        "status": vehicle.status.value,
        "reason": vehicle.reason,
        "created_at": vehicle.created_at,
        "updated_at": vehicle.updated_at,
        "settle_at": vehicle.settle_at,
    }
