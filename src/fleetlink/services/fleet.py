"""Fleet clearance: a fleet registers VINs, and each clearance moves like an OEM's.

Nothing waits in a process's memory: a pending clearance carries the time the platform
settles it (`settle_at`); the primary server's settling sweep (services/settling.py) and
whoever looks at the fleet, from any server process, settle what is due, with conditional
updates so two processes never both do.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

import structlog

from fleetlink.auth.access import ApiAccess
from fleetlink.domain.accounts import Account
from fleetlink.domain.brands import SUPPORTED_BRANDS, decode_vin
from fleetlink.domain.clearance import (
    ClearanceChange,
    ClearanceReason,
    ClearanceStatus,
    FleetVehicle,
    check_license_plate,
    settled,
)
from fleetlink.domain.errors import Conflict, InvalidInput, NotFound
from fleetlink.domain.events import clearance_changed
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vin import normalize_vin
from fleetlink.services.context import ServiceContext
from fleetlink.storage.uow import UnitOfWork

log = structlog.get_logger(__name__)
_HELD = (ClearanceStatus.PENDING, ClearanceStatus.APPROVED)
_OWNER_REFUSALS = (ClearanceReason.OWNER_DECLINED, ClearanceReason.OWNER_WITHDREW)
# A removal retries when the clearance moved under it (settled by another process).
_REMOVE_ATTEMPTS = 3


class FleetVehicleNotFound(NotFound):
    """The VIN is not in the caller's fleet (or is no VIN): one answer for all of these."""

    def __init__(self, vin: str) -> None:
        super().__init__(f"vehicle {vin!r} is not in this fleet")


async def register_vehicle(
    ctx: ServiceContext, access: ApiAccess, vin: str, brand: str, license_plate: str | None
) -> FleetVehicle:
    """Add a VIN to the caller's fleet and start its clearance (pending)."""
    decoded = decode_vin(vin)
    if not decoded.matches(brand):
        raise InvalidInput(
            f"brand {brand!r} does not match the VIN: its manufacturer code "
            f"{decoded.wmi!r} is {decoded.manufacturer} (brand {decoded.brand!r})"
        )
    plate = check_license_plate(license_plate)
    already = InvalidInput(f"vehicle {decoded.vin} is already in this fleet")
    try:
        return await _register(ctx, access, decoded.vin, decoded.brand, decoded.supported, plate)
    except Conflict as exc:
        # Two registrations of one VIN at once: the other won, so this one is a duplicate.
        raise already from exc


async def _register(
    ctx: ServiceContext,
    access: ApiAccess,
    vin: str,
    brand: str,
    supported: bool,
    plate: str | None,
) -> FleetVehicle:
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        vehicle_id = (await uow.vehicles.existing_ids([vin])).get(vin)
        existing = await uow.fleet.get(access.client_id, vin)
        if existing is not None and existing.in_fleet and existing.status in _HELD:
            raise InvalidInput(
                f"vehicle {vin} is already in this fleet (clearance {existing.status.value})"
            )
        # An owner who said no is asked again; the platform never overrules them.
        owner_said_no = existing is not None and existing.reason in _OWNER_REFUSALS
        # The platform settles on its own what it can: refusing an unknown vehicle or brand,
        # approving a known one only where the policy says so; else the owner decides.
        auto = ctx.clearance.auto_approve and not owner_said_no
        settles = vehicle_id is None or not supported or auto
        entry = FleetVehicle(
            id=0 if existing is None else existing.id,
            client_id=access.client_id,
            vin=vin,
            brand=brand,
            license_plate=plate,
            vehicle_id=vehicle_id,
            status=ClearanceStatus.PENDING,
            reason=ClearanceReason.REQUESTED,
            created_at=now,
            updated_at=now,
            settle_at=now + ctx.clearance.delay if settles else None,
        )
        if existing is None:
            entry = await uow.fleet.add(entry)
        elif not await uow.fleet.reopen(entry, existing.status):
            raise InvalidInput(f"vehicle {vin} changed meanwhile; try again")
        await _record(
            ctx,
            uow,
            [(entry, ClearanceChange(ClearanceStatus.PENDING, ClearanceReason.REQUESTED, now))],
        )
        await uow.commit()
    return entry


async def list_fleet(ctx: ServiceContext, access: ApiAccess) -> list[FleetVehicle]:
    """The caller's fleet, with every clearance as it stands now."""
    await settle_due(ctx, access.client_id)
    async with ctx.store.reading() as uow:
        return await uow.fleet.in_fleet(access.client_id)


async def get_fleet_vehicle(ctx: ServiceContext, access: ApiAccess, vin: str) -> FleetVehicle:
    """One vehicle of the caller's fleet."""
    await settle_due(ctx, access.client_id)
    async with ctx.store.reading() as uow:
        return await _in_fleet(uow, access, vin)


async def clearance_history(
    ctx: ServiceContext, access: ApiAccess, vin: str
) -> list[ClearanceChange]:
    """Every change of a fleet vehicle's clearance, with its time and reason."""
    await settle_due(ctx, access.client_id)
    async with ctx.store.reading() as uow:
        entry = await _in_fleet(uow, access, vin)
        return await uow.fleet.history(entry.id)


async def remove_vehicle(ctx: ServiceContext, access: ApiAccess, vin: str) -> None:
    """Take a VIN out of the fleet; its clearance is revoked and its data stops at once."""
    now = ctx.clock()
    change = ClearanceChange(ClearanceStatus.REVOKED, ClearanceReason.REMOVED, now)
    async with ctx.store.writing() as uow:
        for _ in range(_REMOVE_ATTEMPTS):
            # Read afresh each time: another process may have settled it meanwhile.
            entry = await _in_fleet(uow, access, vin)
            if entry.status is ClearanceStatus.REVOKED:
                await uow.fleet.mark_removed(entry.id, now)
                break
            if await uow.fleet.move([entry.id], entry.status, change, removed=True):
                await _record(ctx, uow, [(entry, change)])
                break
        else:
            raise InvalidInput(f"vehicle {vin} keeps changing; try again")
        await uow.commit()


async def settle_due(
    ctx: ServiceContext, client_id: str | None = None, limit: int | None = None
) -> int:
    """Settle the pending clearances (of one fleet, or all) whose time has come.

    Returns how many moved; the background sweep (services/settling.py) passes a limit and
    calls again while a whole batch moved.
    """
    now = ctx.clock()
    async with ctx.store.reading() as uow:
        if not await uow.fleet.has_due(client_id, now):
            return 0
    async with ctx.store.writing() as uow:
        # One statement per outcome, not per clearance: each keeps its own settling time.
        by_outcome: dict[tuple[ClearanceStatus, str], list[int]] = defaultdict(list)
        due = {entry.id: entry for entry in await uow.fleet.due(client_id, now, limit)}
        for entry in due.values():
            change = settled(entry, entry.brand in SUPPORTED_BRANDS)
            if change is not None:
                by_outcome[change.status, change.reason].append(entry.id)
        moved = []
        for (status, reason), ids in by_outcome.items():
            for moved_id, at in await uow.fleet.settle(ids, status, reason):
                moved.append((due[moved_id], ClearanceChange(status, reason, at)))
        await _record(ctx, uow, moved)
        await uow.commit()
    for entry, change in moved:
        log.info(
            "clearance.settled",
            vin=entry.vin,
            client_id=entry.client_id,
            status=change.status,
            reason=change.reason,
        )
    return len(moved)


async def requests_for_owner(
    ctx: ServiceContext, owner: Account
) -> list[tuple[FleetVehicle, str, Vehicle]]:
    """The fleets that asked for the owner's vehicles: each request, its fleet's name, the car."""
    await settle_due(ctx)
    async with ctx.store.reading() as uow:
        vehicles = {v.id: v for v in await uow.vehicles.list_owned(owner.id)}
        requests = await uow.fleet.requests_for(list(vehicles))
    return [
        (entry, name, vehicles[entry.vehicle_id])
        for entry, name in requests
        if entry.vehicle_id in vehicles
    ]


async def decide_request(
    ctx: ServiceContext, owner: Account, fleet_vehicle_id: int, approve: bool
) -> FleetVehicle:
    """The owner approves or declines a pending request, or withdraws an approved one."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        entry = await uow.fleet.by_id(fleet_vehicle_id)
        owned = {v.id for v in await uow.vehicles.list_owned(owner.id)}
        if entry is None or entry.vehicle_id not in owned or not entry.in_fleet:
            raise NotFound("no such request for your vehicles")
        if approve and entry.status is ClearanceStatus.PENDING:
            change = ClearanceChange(ClearanceStatus.APPROVED, ClearanceReason.OWNER_APPROVED, now)
        elif not approve and entry.status is ClearanceStatus.PENDING:
            change = ClearanceChange(ClearanceStatus.REVOKED, ClearanceReason.OWNER_DECLINED, now)
        elif not approve and entry.status is ClearanceStatus.APPROVED:
            change = ClearanceChange(ClearanceStatus.REVOKED, ClearanceReason.OWNER_WITHDREW, now)
        else:
            raise InvalidInput(f"this request is {entry.status.value}: nothing to decide")
        if not await uow.fleet.move([entry.id], entry.status, change):
            raise InvalidInput("this request changed meanwhile; reload the page")
        await _record(ctx, uow, [(entry, change)])
        await uow.commit()
    return replace(entry, status=change.status, reason=change.reason, settle_at=None)


async def _record(
    ctx: ServiceContext, uow: UnitOfWork, changes: Sequence[tuple[FleetVehicle, ClearanceChange]]
) -> None:
    """Keep each change in the clearance's history, and tell its fleet (in the same commit)."""
    await uow.fleet.record([(entry.id, change) for entry, change in changes])
    await uow.events.add_many(
        [
            clearance_changed(str(uuid.uuid4()), e.client_id, e.vin, e.vehicle_id, change)
            for e, change in changes
        ],
        ctx.clock(),
    )


async def _in_fleet(uow: UnitOfWork, access: ApiAccess, vin: str) -> FleetVehicle:
    try:
        canonical = normalize_vin(vin)
    except InvalidInput as exc:
        raise NotFound(exc.message) from None
    entry = await uow.fleet.get(access.client_id, canonical)
    if entry is None or not entry.in_fleet:
        raise FleetVehicleNotFound(vin)
    return entry
