"""The fleet as operators manage it: register, list, read, update, assign, deregister.

Registration goes through services.vehicles.register_vehicles, the one way vehicles enter
the store (the demo fleet's too), so an operator's vehicle ingests telemetry and shows
through the Toyota API like any other. Transferring a vehicle from one owner to another
(revoking grants, withdrawing clearances, hiding the history before) is issue 11's next
step: assign_owner refuses a vehicle that already has another owner, and the ownership
history it keeps is what a transfer will close and open.
"""

from dataclasses import replace

import structlog

from fleetlink.domain.errors import Conflict, VehicleNotFound
from fleetlink.domain.listing import Page, VehicleFilter, check_limit, decode_cursor, page_of
from fleetlink.domain.operators import OwnershipPeriod
from fleetlink.domain.registration import (
    VehicleDetails,
    as_vehicle,
    identity_of,
    resolve_identity,
    updated_identity,
    with_identity,
)
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vin import normalize_vin
from fleetlink.services.context import ServiceContext
from fleetlink.services.owners import find_owner, owner_by_ref
from fleetlink.services.vehicles import NewVehicle, register_vehicles
from fleetlink.storage.uow import UnitOfWork

log = structlog.get_logger(__name__)


async def _vehicle(uow: UnitOfWork, vin: str) -> Vehicle:
    canonical = normalize_vin(vin)
    vehicle = await uow.registry.by_vin(canonical)
    if vehicle is None:
        raise VehicleNotFound(canonical)
    return vehicle


async def register_vehicle(
    ctx: ServiceContext, vin: str, details: VehicleDetails, owner: str | None = None
) -> Vehicle:
    """Register a vehicle, decoding from its VIN what the operator did not give."""
    identity = resolve_identity(vin, details, ctx.clock())
    account = await find_owner(ctx, owner) if owner is not None else None
    if account is not None and not account.is_active:
        raise Conflict(f"owner {account.email} is disabled")
    try:
        [vehicle] = await register_vehicles(ctx, account, [NewVehicle(as_vehicle(identity))])
    except Conflict as exc:
        raise Conflict(f"vehicle {identity.vin} is already registered") from exc
    log.info("vehicle.registered", vin=vehicle.vin, owner=vehicle.owner_guid)
    return vehicle


async def list_fleet(
    ctx: ServiceContext, where: VehicleFilter, cursor: str | None, limit: int
) -> Page[Vehicle]:
    """A page of the vehicles matching where (its owner by email or id), in VIN order."""
    after = decode_cursor(cursor)
    async with ctx.store.reading() as uow:
        if where.owner is not None:
            where = replace(where, owner=(await owner_by_ref(uow, where.owner)).guid)
        rows = await uow.registry.search(where, after, check_limit(limit) + 1)
    return page_of(rows, limit, lambda v: v.vin)


async def get_registered(ctx: ServiceContext, vin: str) -> Vehicle:
    """Any registered vehicle, whoever owns it."""
    async with ctx.store.reading() as uow:
        return await _vehicle(uow, vin)


async def update_vehicle(ctx: ServiceContext, vin: str, change: VehicleDetails) -> Vehicle:
    """Correct a vehicle's identity; what its VIN says still holds."""
    async with ctx.store.writing() as uow:
        vehicle = await _vehicle(uow, vin)
        identity = updated_identity(identity_of(vehicle), change, ctx.clock())
        await uow.registry.set_identity(vehicle.id, identity)
        await uow.commit()
    log.info("vehicle.updated", vin=vehicle.vin)
    return with_identity(vehicle, identity)


async def assign_owner(ctx: ServiceContext, vin: str, owner: str) -> Vehicle:
    """Give a vehicle that has no owner to one; assigning it to its owner again changes nothing."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        vehicle = await _vehicle(uow, vin)
        account = await owner_by_ref(uow, owner)
        if vehicle.owner_id == account.id:
            return vehicle
        if vehicle.owner_id is not None:
            raise Conflict(
                f"vehicle {vehicle.vin} already belongs to another owner; "
                "transferring a vehicle is not supported yet"
            )
        if not account.is_active:
            raise Conflict(f"owner {account.email} is disabled")
        await uow.registry.set_owner(vehicle.id, account.id)
        await uow.owner_history.open({vehicle.id: account.id}, now)
        await uow.commit()
    log.info("vehicle.assigned", vin=vehicle.vin, owner=account.guid)
    return replace(vehicle, owner_id=account.id, owner_guid=account.guid)


async def ownership_history(ctx: ServiceContext, vin: str) -> tuple[str, list[OwnershipPeriod]]:
    """The vehicle's canonical VIN and every owner it has had, oldest first."""
    async with ctx.store.reading() as uow:
        vehicle = await _vehicle(uow, vin)
        return vehicle.vin, await uow.owner_history.of_vehicle(vehicle.id)


async def deregister_vehicle(ctx: ServiceContext, vin: str) -> str:
    """Remove a vehicle and everything recorded about it; returns its VIN."""
    async with ctx.store.writing() as uow:
        vehicle = await _vehicle(uow, vin)
        await uow.registry.remove(vehicle.id, ctx.clock())
        await uow.commit()
    log.info("vehicle.deregistered", vin=vehicle.vin)
    return vehicle.vin
