"""The one way services find a vehicle: through its owner, so foreign VINs stay invisible."""

from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import InvalidInput, VehicleNotFound
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vin import normalize_vin
from fleetlink.storage.uow import UnitOfWork


async def owned_vehicle(uow: UnitOfWork, account: Account, vin: str) -> Vehicle:
    """The caller's vehicle with this VIN; unknown, foreign and malformed VINs answer alike."""
    try:
        canonical = normalize_vin(vin)
    except InvalidInput as exc:
        raise VehicleNotFound(vin) from exc
    vehicle = await uow.vehicles.owned(account.id, canonical)
    if vehicle is None:
        raise VehicleNotFound(vin)
    return vehicle
