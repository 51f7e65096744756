"""The climate preset a user keeps for a vehicle."""

from fleetlink.domain.accounts import Account
from fleetlink.domain.vehicle import ClimateMode, ClimateSettings, check_climate_target
from fleetlink.services.context import ServiceContext
from fleetlink.services.ownership import owned_vehicle


async def update_climate_settings(
    ctx: ServiceContext,
    account: Account,
    vin: str,
    *,
    target_c: float | None = None,
    fan_speed: int | None = None,
    mode: ClimateMode | None = None,
) -> ClimateSettings:
    """Change the given parts of the preset; the others keep their values.

    Only the given columns are written, so two users changing different parts at
    the same moment (through two servers) both keep their change.
    """
    if target_c is not None:
        check_climate_target(target_c)
    if fan_speed is not None:
        ClimateSettings(fan_speed=fan_speed)
    async with ctx.store.writing() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        await uow.vehicles.set_climate(
            vehicle.id, target_c=target_c, fan_speed=fan_speed, mode=mode
        )
        updated = await owned_vehicle(uow, account, vehicle.vin)
        await uow.commit()
    return updated.climate
