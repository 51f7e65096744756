"""Every change of a vehicle's owner, kept with its time."""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.operators import OwnershipPeriod
from fleetlink.storage.tables import accounts, vehicle_owners, vehicles


class OwnerHistoryRepository:
    """Opens, closes and reads ownership periods."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def open(self, owners: Mapping[int, int], at: datetime) -> None:
        """Start a period for each vehicle id → account id, in one statement."""
        if owners:
            await self._conn.execute(
                insert(vehicle_owners),
                [{"vehicle_id": v, "account_id": a, "from_at": at} for v, a in owners.items()],
            )

    async def close(self, vehicle_id: int, at: datetime) -> None:
        """End the vehicle's current period, if it has one."""
        await self._conn.execute(
            update(vehicle_owners)
            .where(vehicle_owners.c.vehicle_id == vehicle_id, vehicle_owners.c.to_at.is_(None))
            .values(to_at=at)
        )

    async def of_vehicle(self, vehicle_id: int) -> list[OwnershipPeriod]:
        """The vehicle's periods, oldest first."""
        stmt = (
            select(vehicle_owners, vehicles.c.vin, accounts.c.guid, accounts.c.email)
            .join(vehicles, vehicles.c.id == vehicle_owners.c.vehicle_id)
            .join(accounts, accounts.c.id == vehicle_owners.c.account_id)
            .where(vehicle_owners.c.vehicle_id == vehicle_id)
            .order_by(vehicle_owners.c.from_at, vehicle_owners.c.id)
        )
        return [
            OwnershipPeriod(row.vin, row.guid, row.email, row.from_at, row.to_at)
            for row in await self._conn.execute(stmt)
        ]
