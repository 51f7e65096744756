"""The one way services find a vehicle: through its owner, so foreign VINs stay invisible."""

from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import InvalidInput, VehicleNotFound
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vin import normalize_vin
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


async def owned_vehicle_with_state(
    uow: UnitOfWork, account: Account, vin: str
) -> tuple[Vehicle, VehicleState | None]:
    """Like owned_vehicle, with the vehicle's latest state, in one query."""
    found = await uow.vehicles.owned_with_state(account.id, _canonical(vin))
    if found is None:
        raise VehicleNotFound(vin)
    return found
