"""A fleet's vehicle-data read: the client's standing, its due clearances, and its entry for
the VIN with the vehicle and state, in one query (High Mobility's hot read)."""

from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.clearance import ClearanceStatus, FleetVehicle
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Vehicle
from fleetlink.storage.repositories.fleet import fleet_vehicle_from_row
from fleetlink.storage.repositories.vehicles import SELECT_WITH_STATE, with_state_from_row
from fleetlink.storage.tables import (
    accounts,
    fleet_vehicles,
    oauth_clients,
    vehicle_state,
    vehicles,
)

# The fleet's entry for the VIN, then the vehicle it was cleared for and its state.
_EntryRow = namedtuple("_EntryRow", [c.name for c in fleet_vehicles.c])  # type: ignore[misc]
_ENTRY_WIDTH = len(_EntryRow._fields)
# Due clearances of the client, in a query whose FROM holds fleet_vehicles too: an alias of
# its own, or the subquery would correlate with the outer entry.
_DUE = fleet_vehicles.alias("due")
# One row if the client exists, its entry's columns null if it has none for the VIN.
_FLEET_READ = (
    select(
        oauth_clients.c.revoked_at.is_(None),
        exists()
        .where(
            _DUE.c.client_id == oauth_clients.c.client_id,
            _DUE.c.status == ClearanceStatus.PENDING.value,
            _DUE.c.settle_at <= bindparam("now"),
        )
        .correlate(oauth_clients),
        *fleet_vehicles.c,
        *SELECT_WITH_STATE.selected_columns,
    )
    .select_from(oauth_clients)
    .outerjoin(
        fleet_vehicles,
        and_(
            fleet_vehicles.c.client_id == oauth_clients.c.client_id,
            fleet_vehicles.c.vin == bindparam("vin"),
        ),
    )
    .outerjoin(vehicles, vehicles.c.id == fleet_vehicles.c.vehicle_id)
    .outerjoin(accounts, accounts.c.id == vehicles.c.owner_id)
    .outerjoin(vehicle_state, vehicle_state.c.vehicle_id == vehicles.c.id)
    .where(oauth_clients.c.client_id == bindparam("client"))
)


@dataclass(frozen=True, slots=True)
class FleetRead:
    """What a fleet's vehicle-data read needs, read together."""

    client_active: bool
    clearance_due: bool
    # The fleet's entry for the VIN, removed or not, and the vehicle it names with its
    # latest state (None if it names none); None if the fleet has no entry for the VIN.
    cleared: tuple[FleetVehicle, tuple[Vehicle, VehicleState | None] | None] | None


class FleetReadRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def read(self, client_id: str, vin: str, now: datetime) -> FleetRead | None:
        """A fleet's standing, whether it has clearances due to settle, and its entry for
        vin with the vehicle it names and its latest state; None if there is no such
        client."""
        parameters = {"client": client_id, "vin": vin, "now": now}
        row = (await self._conn.execute(_FLEET_READ, parameters)).first()
        if row is None:
            return None
        entry_row = row[2 : 2 + _ENTRY_WIDTH]
        cleared = None
        if entry_row[0] is not None:
            rest = row[2 + _ENTRY_WIDTH :]
            cleared = (
                fleet_vehicle_from_row(_EntryRow._make(entry_row)),
                with_state_from_row(rest) if rest[0] is not None else None,
            )
        return FleetRead(bool(row[0]), bool(row[1]), cleared)
