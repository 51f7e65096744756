"""The one way services find a vehicle: through its owner, so foreign VINs stay invisible."""

from dataclasses import replace

from fleetlink.domain.accounts import Account
from fleetlink.domain.clearance import ClearanceStatus
from fleetlink.domain.errors import Forbidden, InvalidInput, VehicleNotFound
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vin import normalize_vin
from fleetlink.domain.webhooks import Subscriber
from fleetlink.storage.uow import UnitOfWork


def _canonical(vin: str) -> str:
    try:
        return normalize_vin(vin)
    except InvalidInput as exc:
        raise VehicleNotFound(vin) from exc


async def owned_vehicle(uow: UnitOfWork, account: Account, vin: str) -> Vehicle:
    """The caller's vehicle with this VIN; unknown, foreign and malformed VINs answer alike."""
    vehicle = await uow.vehicles.owned(account.id, _canonical(vin))
    if vehicle is None:
        raise VehicleNotFound(vin)
    return vehicle


async def readable_vehicle(uow: UnitOfWork, who: Subscriber, vin: str) -> Vehicle:
    """The vehicle an owner owns or a fleet holds an approved clearance for.

    Unknown, foreign and malformed VINs answer alike; a fleet's own vehicle whose clearance
    is not approved is Forbidden, as in the High Mobility API (the fleet knows of it).
    """
    canonical = _canonical(vin)
    if who.account_id is not None:
        vehicle = await uow.vehicles.owned(who.account_id, canonical)
    else:
        assert who.client_id is not None
        entry = await uow.fleet.get(who.client_id, canonical)
        if entry is None or not entry.in_fleet:
            raise VehicleNotFound(vin)
        if entry.status is not ClearanceStatus.APPROVED or entry.vehicle_id is None:
            raise Forbidden(
                f"the clearance for {canonical} is {entry.status.value}: "
                "vehicle data needs an approved clearance"
            )
        vehicle = await uow.vehicles.by_id(entry.vehicle_id)
    if vehicle is None:
        raise VehicleNotFound(vin)
    return vehicle


async def owned_vehicle_with_state(
    uow: UnitOfWork, account: Account, vin: str
) -> tuple[Vehicle, VehicleState | None]:
    """Like owned_vehicle, with the vehicle's latest state, in one query."""
    found = await uow.vehicles.owned_with_state(account.id, _canonical(vin))
    if found is None:
        raise VehicleNotFound(vin)
    return owners_view(*found)


def owners_view(
    vehicle: Vehicle, state: VehicleState | None
) -> tuple[Vehicle, VehicleState | None]:
    """The vehicle with the latest state its present owner may see: none from before they had it.

    The position carries its own time, and a later sample without one leaves it as it was:
    a position from before is dropped even from a state reported since.
    """
    if state is None or not vehicle.owners_record(state.reported_at):
        return vehicle, None
    if state.position is not None and not vehicle.owners_record(state.position.at):
        return vehicle, replace(state, position=None)
    return vehicle, state
