"""What a High Mobility API caller may read of a vehicle, and the reading itself."""

from collections.abc import Awaitable, Callable

from fleetlink.auth.access import ApiAccess, GrantType
from fleetlink.domain.clearance import ClearanceStatus, FleetVehicle
from fleetlink.domain.errors import Forbidden, InvalidInput, VehicleNotFound
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vin import normalize_vin
from fleetlink.services.api_tokens import ensure_standing, revoked, verified_access
from fleetlink.services.context import ServiceContext
from fleetlink.services.fleet import settle_due
from fleetlink.services.ownership import owners_view
from fleetlink.services.tokens import TokenService

Snapshot = tuple[Vehicle, VehicleState | None]


async def read_vehicle_data(
    ctx: ServiceContext,
    tokens: TokenService,
    token: str,
    vin: str,
    admit: Callable[[ApiAccess], Awaitable[None]],
) -> Snapshot:
    """The vehicle and its latest state, if the bearer's clearance or grant reaches it.

    As authenticate_api_token, then admit (the caller's rate limit and scope), then the
    read, in that order: 401, 429 or 403, and only then the vehicle. A fleet reads what it
    holds an approved clearance for (a registered VIN otherwise is 403: the fleet knows of
    it); an app reads what an owner granted it. Anything else is 404, worded the same
    whether the VIN is unknown, someone else's or malformed. A fleet's read is one query:
    its standing, its due clearances and its entry with the vehicle and state together.
    """
    access = await verified_access(tokens, token, ctx.clock())
    try:
        canonical = normalize_vin(vin)
    except InvalidInput:
        canonical = ""  # no stored VIN: the token is still checked first
    if access.grant_type is not GrantType.CLIENT_CREDENTIALS:
        return await _granted(ctx, access, vin, canonical, admit)
    settled = False
    while True:
        async with ctx.store.reading() as uow:
            read = await uow.fleet_reads.read(access.client_id, canonical, ctx.clock())
        if read is None or not read.client_active:
            raise revoked(access)
        if not settled:
            await admit(access)
        if not canonical:
            raise VehicleNotFound(vin)
        if read.clearance_due and not settled:
            # The hot path is the one query above; only a fleet with clearances due to
            # settle takes a writing transaction, then reads again.
            await settle_due(ctx, access.client_id)
            settled = True
            continue
        # A fleet reads for the present owner, who sees nothing from before they had it.
        return owners_view(*_cleared(read.cleared, vin))


def _cleared(cleared: tuple[FleetVehicle, Snapshot | None] | None, vin: str) -> Snapshot:
    """The vehicle a fleet's entry reaches, or why it reaches none."""
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
    if cleared[1] is None:
        raise VehicleNotFound(vin)  # the vehicle is gone
    return cleared[1]


async def _granted(
    ctx: ServiceContext,
    access: ApiAccess,
    vin: str,
    canonical: str,
    admit: Callable[[ApiAccess], Awaitable[None]],
) -> Snapshot:
    """An app's read of a vehicle an owner granted it: the grant must stand and cover it."""
    async with ctx.store.reading() as uow:
        ensure_standing(access, await uow.grants.access_active(access.client_id, access.grant_id))
    await admit(access)
    if not canonical or access.grant_id is None:
        raise VehicleNotFound(vin)
    async with ctx.store.reading() as uow:
        vehicle_id = (await uow.vehicles.existing_ids([canonical])).get(canonical)
        if vehicle_id is None:
            raise VehicleNotFound(vin)
        if not await uow.grants.grant_covers(access.grant_id, vehicle_id):
            raise VehicleNotFound(vin)
        found = await uow.vehicles.by_id_with_state(vehicle_id)
    if found is None:
        raise VehicleNotFound(vin)
    # An app reads for the present owner, who sees nothing from before they had it.
    return owners_view(*found)
