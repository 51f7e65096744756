"""The fleet as operators manage it: register, list, read, update, assign, deregister.

Registration goes through services.vehicles.register_vehicles, the one way vehicles enter
the store (the demo fleet's too), so an operator's vehicle ingests telemetry and shows
through the Toyota API like any other. assign_owner also transfers a vehicle from one owner to
the next, and keeps every change of owner with its time.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import structlog

from fleetlink.domain.clearance import ClearanceChange, ClearanceReason, ClearanceStatus
from fleetlink.domain.commands import TRANSFERRED_RETURN_CODE
from fleetlink.domain.errors import Conflict, VehicleNotFound
from fleetlink.domain.listing import (
    MAX_LIMIT,
    Page,
    VehicleFilter,
    check_limit,
    decode_cursor,
    page_of,
)
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
from fleetlink.services.devices import device_credential, revoke_device_credential
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


async def fleet_with_owners(ctx: ServiceContext) -> list[tuple[Vehicle, str | None]]:
    """Every registered vehicle with its owner's email (None: no owner), in VIN order."""
    vehicles: list[Vehicle] = []
    emails: dict[str, str] = {}
    async with ctx.store.reading() as uow:
        after: str | None = None
        while rows := await uow.registry.search(VehicleFilter(), after, MAX_LIMIT):
            vehicles += rows
            after = rows[-1].vin
        after = None
        while owners := await uow.accounts.summaries(after, MAX_LIMIT):
            emails.update((o.guid, o.email) for o in owners)
            after = owners[-1].email
    return [(v, emails.get(v.owner_guid or "")) for v in vehicles]


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
    """Give a vehicle to an owner: its first, or a new one when it is sold.

    A transfer is immediate and private. The previous owner loses the vehicle at once; it
    leaves every grant they gave an app (a grant left with no vehicle is revoked); fleets'
    approved clearances are withdrawn (a fleet may ask the new owner); the commands still
    waiting for the vehicle fail; and the new owner sees nothing recorded before (their
    `owner_since`). Assigning a vehicle to its owner again changes nothing.
    """
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        vehicle = await _vehicle(uow, vin)
        account = await owner_by_ref(uow, owner)
        if vehicle.owner_id == account.id:
            return vehicle
        if not account.is_active:
            raise Conflict(f"owner {account.email} is disabled")
        previous = vehicle.owner_id
        await uow.registry.set_owner(vehicle.id, account.id, since=now)
        await uow.owner_history.close(vehicle.id, now)
        await uow.owner_history.open({vehicle.id: account.id}, now)
        grants = clearances = cancelled = 0
        if previous is not None:
            grants = await uow.grants.drop_vehicle(previous, vehicle.id, now)
            clearances = await withdraw_clearances(uow, [vehicle.id], now)
            cancelled = await _cancel_commands(uow, vehicle.id, now)
        await uow.commit()
    log.info(
        "vehicle.transferred" if previous is not None else "vehicle.assigned",
        vin=vehicle.vin,
        owner=account.guid,
        grants_left=grants,
        clearances_withdrawn=clearances,
        commands_cancelled=cancelled,
    )
    return replace(
        vehicle, owner_id=account.id, owner_guid=account.guid, owner_since=now, alias=None
    )


async def withdraw_clearances(uow: UnitOfWork, vehicle_ids: Sequence[int], now: datetime) -> int:
    """Revoke fleets' approved clearances of the vehicles: their owner changed (or left)."""
    change = ClearanceChange(ClearanceStatus.REVOKED, ClearanceReason.OWNER_CHANGED, now)
    moved = await uow.fleet.move(
        await uow.fleet.approved_of(vehicle_ids), ClearanceStatus.APPROVED, change
    )
    await uow.fleet.record([(entry, change) for entry in moved])
    return len(moved)


async def _cancel_commands(uow: UnitOfWork, vehicle_id: int, now: datetime) -> int:
    waiting = await uow.commands.open_of(vehicle_id)
    await uow.commands.save_many(
        [
            (
                command.fail(now, TRANSFERRED_RETURN_CODE, "the vehicle changed owner"),
                command.status,
            )
            for command in waiting
        ]
    )
    return len(waiting)


async def ownership_history(ctx: ServiceContext, vin: str) -> tuple[str, list[OwnershipPeriod]]:
    """The vehicle's canonical VIN and every owner it has had, oldest first."""
    async with ctx.store.reading() as uow:
        vehicle = await _vehicle(uow, vin)
        return vehicle.vin, await uow.owner_history.of_vehicle(vehicle.id)


async def deregister_vehicle(ctx: ServiceContext, vin: str) -> str:
    """Remove a vehicle and everything recorded about it; returns its VIN.

    Its unit's credential is revoked first, through the brokers (its live session ends, an
    external Mosquitto disables its client), then deleted with the rest.
    """
    canonical = normalize_vin(vin)
    credential = await device_credential(ctx, canonical)
    if credential is not None and credential.active:
        await revoke_device_credential(ctx, canonical)
    async with ctx.store.writing() as uow:
        vehicle = await _vehicle(uow, vin)
        await uow.registry.remove(vehicle.id, ctx.clock())
        await uow.commit()
    log.info("vehicle.deregistered", vin=vehicle.vin)
    return vehicle.vin
