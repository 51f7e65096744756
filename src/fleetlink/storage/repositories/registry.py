"""The whole fleet as operators see it: any vehicle by VIN, filtered pages, edits, removal.

Owners reach vehicles only through repositories/vehicles.py's owned lookups; these reads
ignore ownership, so only the operator API and CLI use them.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.brands import brand_slug
from fleetlink.domain.listing import VehicleFilter
from fleetlink.domain.registration import Identity
from fleetlink.domain.vehicle import Vehicle
from fleetlink.storage.repositories.vehicles import SELECT_VEHICLE, vehicle_from_row
from fleetlink.storage.tables import (
    accounts,
    charge_progress,
    charging_sessions,
    commands,
    events,
    fleet_vehicles,
    notifications,
    oauth_grant_vehicles,
    service_records,
    trip_progress,
    trips,
    vehicle_messages,
    vehicle_owners,
    vehicle_state,
    vehicles,
    webhook_attempts,
    webhook_deliveries,
)

# Everything recorded about a vehicle, deleted with it when it is deregistered.
_RECORDS: Sequence[Table] = (
    vehicle_state,
    commands,
    trips,
    trip_progress,
    charging_sessions,
    charge_progress,
    notifications,
    service_records,
    vehicle_messages,
    oauth_grant_vehicles,
    vehicle_owners,
)


class RegistryRepository:
    """Operator reads and writes over every vehicle."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def by_vin(self, vin: str) -> Vehicle | None:
        """The vehicle with this canonical VIN, whoever owns it (or nobody)."""
        row = (await self._conn.execute(SELECT_VEHICLE.where(vehicles.c.vin == vin))).first()
        return vehicle_from_row(row) if row else None

    async def by_vins(self, vins: Sequence[str]) -> dict[str, Vehicle]:
        """Those of the canonical vins that are registered, whoever owns them, by VIN."""
        if not vins:
            return {}
        stmt = SELECT_VEHICLE.where(vehicles.c.vin.in_(list(vins)))
        return {row.vin: vehicle_from_row(row) for row in await self._conn.execute(stmt)}

    async def search(
        self, where: VehicleFilter, after_vin: str | None, limit: int
    ) -> list[Vehicle]:
        """Up to limit vehicles matching where, in VIN order after after_vin, in one query."""
        stmt = SELECT_VEHICLE.order_by(vehicles.c.vin).limit(limit)
        if after_vin is not None:
            stmt = stmt.where(vehicles.c.vin > after_vin)
        if where.owner is not None:
            stmt = stmt.where(accounts.c.guid == where.owner)
        if where.make is not None:
            stmt = stmt.where(vehicles.c.brand == brand_slug(where.make))
        if where.powertrain is not None:
            stmt = stmt.where(vehicles.c.powertrain == where.powertrain.value)
        if where.connection is not None:
            stmt = stmt.where(vehicles.c.connection == where.connection.value)
        if where.seen_before is not None:
            stmt = stmt.where(vehicles.c.last_connected_at < where.seen_before)
        if where.seen_after is not None:
            stmt = stmt.where(vehicles.c.last_connected_at >= where.seen_after)
        return [vehicle_from_row(row) for row in await self._conn.execute(stmt)]

    async def set_identity(self, vehicle_id: int, identity: Identity) -> None:
        """Store what the operator corrected of a vehicle's identity."""
        await self._conn.execute(
            update(vehicles)
            .where(vehicles.c.id == vehicle_id)
            .values(
                make=identity.make,
                brand=identity.brand,
                model=identity.model,
                year=identity.year,
                powertrain=identity.powertrain.value,
                color=identity.color,
                trim=identity.trim,
                license_plate=identity.license_plate,
            )
        )

    async def set_owner(
        self, vehicle_id: int, account_id: int | None, since: datetime | None = None
    ) -> None:
        """Make account_id the vehicle's owner (None: nobody's) since since.

        The previous owner's name for the car (its alias) goes with them.
        """
        values: dict[str, Any] = {"owner_id": account_id, "owner_since": since}
        if since is not None:
            values["alias"] = None
        await self._conn.execute(update(vehicles).where(vehicles.c.id == vehicle_id).values(values))

    async def remove(self, vehicle_id: int, at: datetime) -> None:
        """Delete the vehicle and everything recorded about it, one statement a table.

        A fleet's clearance of it keeps its row and history (the fleet's own records) but
        no longer points at a vehicle, as for a VIN the platform never knew.
        """
        await self._conn.execute(
            update(fleet_vehicles)
            .where(fleet_vehicles.c.vehicle_id == vehicle_id)
            .values(vehicle_id=None, updated_at=at)
        )
        # Its events, with what delivering them to webhooks left behind.
        its_events = select(events.c.id).where(events.c.vehicle_id == vehicle_id)
        their_deliveries = select(webhook_deliveries.c.id).where(
            webhook_deliveries.c.event_id.in_(its_events)
        )
        await self._conn.execute(
            delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(their_deliveries))
        )
        await self._conn.execute(
            delete(webhook_deliveries).where(webhook_deliveries.c.event_id.in_(its_events))
        )
        for table in (*_RECORDS, events):
            await self._conn.execute(delete(table).where(table.c.vehicle_id == vehicle_id))
        await self._conn.execute(delete(vehicles).where(vehicles.c.id == vehicle_id))
