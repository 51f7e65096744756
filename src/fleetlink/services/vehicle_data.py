"""What a High Mobility API caller may read of a vehicle, and the reading itself."""

from fleetlink.auth.access import ApiAccess, GrantType
from fleetlink.domain.clearance import ClearanceStatus
from fleetlink.domain.errors import Forbidden, InvalidInput, VehicleNotFound
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vin import normalize_vin
from fleetlink.services.context import ServiceContext
from fleetlink.services.fleet import settle_due
from fleetlink.services.ownership import owners_view
from fleetlink.storage.uow import UnitOfWork


async def read_vehicle_data(
    ctx: ServiceContext, access: ApiAccess, vin: str
) -> tuple[Vehicle, VehicleState | None]:
    """The vehicle and its latest state, if the caller's clearance or grant reaches it.

    A fleet reads what it holds an approved clearance for (a registered VIN otherwise is
    403: the fleet knows of it); an app reads what an owner granted it. Anything else is
    404, worded the same whether the VIN is unknown or someone else's.
    """
    try:
        canonical = normalize_vin(vin)
    except InvalidInput:
        raise VehicleNotFound(vin) from None
    # The hot path reads in one transaction; only a fleet with clearances due to settle
    # takes a writing one first, then reads again.
    check_due = access.grant_type is GrantType.CLIENT_CREDENTIALS
    while True:
        async with ctx.store.reading() as uow:
            if not (check_due and await uow.fleet.has_due(access.client_id, ctx.clock())):
                found = await _reachable(uow, access, canonical)
                if found is None:
                    raise VehicleNotFound(vin)
                # A fleet or an app reads for the present owner, who sees nothing from
                # before they had the vehicle.
                return owners_view(*found)
        await settle_due(ctx, access.client_id)
        check_due = False


async def _reachable(
    uow: UnitOfWork, access: ApiAccess, vin: str
) -> tuple[Vehicle, VehicleState | None] | None:
    """The vehicle the caller may read with its latest state (None: it is gone)."""
    if access.grant_type is GrantType.CLIENT_CREDENTIALS:
        # The entry and the vehicle it was cleared for in one query: a fleet's hot read.
        cleared = await uow.vehicles.cleared_with_state(access.client_id, vin)
        entry = cleared[0] if cleared is not None else None
        if entry is None or not entry.in_fleet:
            raise VehicleNotFound(vin)
        if entry.status is not ClearanceStatus.APPROVED or entry.vehicle_id is None:
            raise Forbidden(
                f"the clearance for {vin} is {entry.status.value}"
                f"{f' ({entry.reason})' if entry.reason else ''}: "
                "vehicle data needs an approved clearance"
            )
        assert cleared is not None
        return cleared[1]
    vehicle_id = (await uow.vehicles.existing_ids([vin])).get(vin)
    if vehicle_id is None or access.grant_id is None:
        raise VehicleNotFound(vin)
    if not await uow.grants.grant_covers(access.grant_id, vehicle_id):
        raise VehicleNotFound(vin)
    return await uow.vehicles.by_id_with_state(vehicle_id)
