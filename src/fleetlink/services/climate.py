"""The climate preset a user keeps for a vehicle."""

from dataclasses import replace

from fleetlink.domain.accounts import Account
from fleetlink.domain.vehicle import ClimateMode, ClimateSettings
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
    """Change the given parts of the preset; the others keep their values."""
    async with ctx.store.writing() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        changes: dict[str, object] = {}
        if target_c is not None:
            changes["target_c"] = target_c
        if fan_speed is not None:
            changes["fan_speed"] = fan_speed
        if mode is not None:
            changes["mode"] = mode
        settings: ClimateSettings = replace(vehicle.climate, **changes)  # type: ignore[arg-type]
        await uow.vehicles.set_climate(vehicle.id, settings)
        await uow.commit()
    return settings
