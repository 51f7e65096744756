"""Vehicles as their owner sees them: list, look up, rename, read the latest state."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import Conflict, InvalidInput, VehicleNotFound
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Vehicle, validate_alias
from fleetlink.domain.vin import normalize_vin
from fleetlink.services.accounts import usable_account
from fleetlink.services.context import ServiceContext
from fleetlink.services.ownership import owned_vehicle, owned_vehicle_with_state, owners_view
from fleetlink.services.tokens import TokenService


@dataclass(frozen=True, slots=True)
class VehicleSnapshot:
    """A vehicle with the latest state it reported (None if it never did)."""

    vehicle: Vehicle
    state: VehicleState | None


async def list_vehicles(ctx: ServiceContext, account: Account) -> list[Vehicle]:
    """Every vehicle of the account."""
    async with ctx.store.reading() as uow:
        return await uow.vehicles.list_owned(account.id)


async def get_vehicle(ctx: ServiceContext, account: Account, vin: str) -> Vehicle:
    """One vehicle of the account."""
    async with ctx.store.reading() as uow:
        return await owned_vehicle(uow, account, vin)


async def get_snapshot(ctx: ServiceContext, account: Account, vin: str) -> VehicleSnapshot:
    """One vehicle of the account and its latest reported state."""
    async with ctx.store.reading() as uow:
        return VehicleSnapshot(*await owned_vehicle_with_state(uow, account, vin))


async def read_own_snapshot(
    ctx: ServiceContext,
    tokens: TokenService,
    token: str,
    audience: str,
    vin: str,
    admit: Callable[[Account], Awaitable[None]],
) -> VehicleSnapshot:
    """The snapshot of the bearer's vehicle with this VIN, with the account in one query.

    As authenticate then get_snapshot would answer, in that order: the token and its
    account are checked first, then admit (the caller's rate limit) is awaited, outside the
    unit of work; only then is an unknown, foreign or malformed VIN the same 404.
    """
    claims = await tokens.verify(token, audience, ctx.clock())
    try:
        canonical = normalize_vin(vin)
    except InvalidInput:
        canonical = ""  # no stored VIN: the account is still checked first
    async with ctx.store.reading() as uow:
        found = await uow.vehicles.account_with_owned(claims.subject, canonical)
    account = usable_account(found[0] if found is not None else None)
    await admit(account)
    if found is None or found[1] is None:
        raise VehicleNotFound(vin)
    return VehicleSnapshot(*owners_view(*found[1]))


async def list_own_vehicles(
    ctx: ServiceContext,
    tokens: TokenService,
    token: str,
    audience: str,
    admit: Callable[[Account], Awaitable[None]],
) -> list[Vehicle]:
    """Every vehicle of the bearer's account, read with the account in one query; the
    token and account are checked, then admit awaited, as authenticate then list_vehicles."""
    claims = await tokens.verify(token, audience, ctx.clock())
    async with ctx.store.reading() as uow:
        found = await uow.vehicles.account_with_all_owned(claims.subject)
    await admit(usable_account(found[0] if found is not None else None))
    assert found is not None  # usable_account raised otherwise
    return found[1]


async def rename_vehicle(
    ctx: ServiceContext, account: Account, vin: str, alias: str, guid: str | None
) -> Vehicle:
    """Set the vehicle's alias (an empty one clears it); a guid, if given, must be the
    caller's own."""
    async with ctx.store.writing() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        if guid is not None and guid != account.guid:
            raise InvalidInput("guid does not match the authenticated account")
        nickname = validate_alias(alias)
        await uow.vehicles.set_alias(vehicle.id, nickname)
        await uow.commit()
    return replace(vehicle, alias=nickname)


@dataclass(frozen=True, slots=True)
class NewVehicle:
    """A vehicle to register, with the state it starts in."""

    vehicle: Vehicle
    state: VehicleState | None = None


async def register_vehicles(
    ctx: ServiceContext, owner: Account | None, new: Sequence[NewVehicle]
) -> list[Vehicle]:
    """Register vehicles in one transaction, to owner (or to nobody yet), with their ownership
    history begun; every VIN must be valid and unused."""
    vins = [normalize_vin(n.vehicle.vin) for n in new]
    if len(set(vins)) != len(vins):
        raise InvalidInput("the same VIN appears twice")
    now = ctx.clock()
    owner_id = owner.id if owner is not None else None
    async with ctx.store.writing() as uow:
        taken = await uow.vehicles.existing_ids(vins)
        if taken:
            raise Conflict(f"already registered: {', '.join(sorted(taken))}")
        ids = await uow.vehicles.add_many(owner_id, [n.vehicle for n in new], now)
        await uow.states.put_many({ids[n.vehicle.vin]: n.state for n in new if n.state is not None})
        if owner_id is not None:
            await uow.owner_history.open({vid: owner_id for vid in ids.values()}, now)
        await uow.commit()
    return [
        replace(
            n.vehicle,
            id=ids[n.vehicle.vin],
            owner_id=owner_id,
            owner_guid=owner.guid if owner is not None else None,
        )
        for n in new
    ]


async def latest_states(ctx: ServiceContext, account: Account) -> dict[str, VehicleState]:
    """The latest reported state of each of the account's vehicles, by VIN."""
    async with ctx.store.reading() as uow:
        owned = await uow.vehicles.list_owned(account.id)
        states = await uow.states.get_many([v.id for v in owned])
    seen = {v.vin: owners_view(v, states.get(v.id))[1] for v in owned}
    return {vin: state for vin, state in seen.items() if state is not None}


async def list_snapshots(ctx: ServiceContext, account: Account) -> list[VehicleSnapshot]:
    """Every vehicle of the account with the latest state its owner may see, in one read."""
    async with ctx.store.reading() as uow:
        owned = await uow.vehicles.list_owned(account.id)
        states = await uow.states.get_many([v.id for v in owned])
    return [VehicleSnapshot(*owners_view(v, states.get(v.id))) for v in owned]
