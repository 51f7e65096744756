"""Device credentials: each vehicle's unit's secret digests, read by VIN for the broker."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.devices import DeviceCredential
from fleetlink.storage.tables import device_credentials, vehicles

_SELECT = select(device_credentials, vehicles.c.vin).join(
    vehicles, vehicles.c.id == device_credentials.c.vehicle_id
)


def _credential(row: Any) -> DeviceCredential:
    return DeviceCredential(
        vin=row.vin,
        vehicle_id=row.vehicle_id,
        secret_hash=row.secret_hash,
        pending_hash=row.pending_hash,
        issued_at=row.issued_at,
        revoked_at=row.revoked_at,
        changed_at=row.changed_at,
    )


class DeviceCredentialRepository:
    """One credential per vehicle, written whole."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def by_vin(self, vin: str) -> DeviceCredential | None:
        """The credential of the vehicle with this VIN, revoked or not."""
        row = (await self._conn.execute(_SELECT.where(vehicles.c.vin == vin))).first()
        return _credential(row) if row else None

    async def changed_since(self, since: datetime) -> list[DeviceCredential]:
        """Every credential changed at or after since."""
        stmt = _SELECT.where(device_credentials.c.changed_at >= since)
        return [_credential(row) for row in await self._conn.execute(stmt)]

    async def vins_without(self) -> list[str]:
        """The VINs of registered vehicles that have no credential yet, in order."""
        stmt = (
            select(vehicles.c.vin)
            .outerjoin(device_credentials, device_credentials.c.vehicle_id == vehicles.c.id)
            .where(device_credentials.c.vehicle_id.is_(None))
            .order_by(vehicles.c.vin)
        )
        return [row.vin for row in await self._conn.execute(stmt)]

    async def by_vins(self, vins: Sequence[str]) -> dict[str, DeviceCredential]:
        """The credentials of those of vins that have one."""
        if not vins:
            return {}
        stmt = _SELECT.where(vehicles.c.vin.in_(list(vins)))
        return {row.vin: _credential(row) for row in await self._conn.execute(stmt)}

    async def add_many(self, new: Sequence[DeviceCredential]) -> None:
        """Store first credentials for vehicles that have none, in one statement."""
        if new:
            await self._conn.execute(
                insert(device_credentials),
                [
                    {
                        "vehicle_id": c.vehicle_id,
                        "secret_hash": c.secret_hash,
                        "pending_hash": c.pending_hash,
                        "issued_at": c.issued_at,
                        "revoked_at": c.revoked_at,
                        "changed_at": c.changed_at,
                    }
                    for c in new
                ],
            )

    async def put(self, credential: DeviceCredential, *, new: bool) -> None:
        """Store credential whole: a first one (new) or over the vehicle's existing one."""
        values = {
            "secret_hash": credential.secret_hash,
            "pending_hash": credential.pending_hash,
            "issued_at": credential.issued_at,
            "revoked_at": credential.revoked_at,
            "changed_at": credential.changed_at,
        }
        if new:
            await self._conn.execute(
                insert(device_credentials).values(vehicle_id=credential.vehicle_id, **values)
            )
            return
        await self._conn.execute(
            update(device_credentials)
            .where(device_credentials.c.vehicle_id == credential.vehicle_id)
            .values(**values)
        )

    async def promote(self, vehicle_id: int, pending_hash: str, at: datetime) -> bool:
        """Make a pending secret the only one, if it is still pending and not revoked."""
        result = await self._conn.execute(
            update(device_credentials)
            .where(
                device_credentials.c.vehicle_id == vehicle_id,
                device_credentials.c.pending_hash == pending_hash,
                device_credentials.c.revoked_at.is_(None),
            )
            .values(secret_hash=pending_hash, pending_hash=None, changed_at=at)
        )
        return result.rowcount > 0
