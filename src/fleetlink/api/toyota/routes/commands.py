"""refreshVehicleStatus, refreshElectricStatus, sendClimateCommand, sendRemoteCommand,
updateClimateSettings, and fleetlink's command-state extension."""

from fastapi import APIRouter

from fleetlink.api.toyota import mappers
from fleetlink.api.toyota import schemas as s
from fleetlink.api.toyota.dependencies import Caller, Services
from fleetlink.domain.commands import CommandKind, CommandRequest
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.units import fahrenheit_to_celsius
from fleetlink.domain.vehicle import ClimateMode
from fleetlink.services.climate import update_climate_settings
from fleetlink.services.commands import get_command, send_command

router = APIRouter(tags=["Remote"])


@router.post("/vehicles/{vin}/status/refresh", response_model_exclude_none=True)
async def refresh_vehicle_status(
    vin: str, body: s.RefreshRequest, caller: Caller, ctx: Services
) -> s.RefreshStatus:
    if body.vin.strip().upper() != vin.strip().upper():
        raise InvalidInput(f"body vin {body.vin!r} does not match the path's {vin!r}")
    if body.guid != caller.guid:
        raise InvalidInput("guid does not match the authenticated account")
    command = await send_command(ctx, caller, vin, CommandRequest(CommandKind.REFRESH_STATUS))
    return mappers.refresh_status(command)


@router.post("/vehicles/{vin}/electric/refresh", response_model_exclude_none=True)
async def refresh_electric_status(vin: str, caller: Caller, ctx: Services) -> s.RefreshStatus:
    command = await send_command(ctx, caller, vin, CommandRequest(CommandKind.REFRESH_ELECTRIC))
    return mappers.refresh_status(command)


@router.post("/vehicles/{vin}/climate/command", response_model_exclude_none=True)
async def send_climate_command(
    vin: str, body: s.ClimateCommandIn, caller: Caller, ctx: Services
) -> s.RefreshStatus:
    if body.command == "stop":
        if body.temperature is not None:
            raise InvalidInput("temperature is only allowed with the start command")
        request = CommandRequest(CommandKind.CLIMATE_STOP)
    else:
        target = None if body.temperature is None else fahrenheit_to_celsius(body.temperature)
        request = CommandRequest.climate_start(target)
    return mappers.refresh_status(await send_command(ctx, caller, vin, request))


@router.post("/vehicles/{vin}/remote-command", response_model_exclude_none=True)
async def send_remote_command(
    vin: str, body: s.RemoteCommandIn, caller: Caller, ctx: Services
) -> s.RefreshStatus:
    request = CommandRequest.remote(CommandKind(body.command), body.beeps)
    return mappers.refresh_status(await send_command(ctx, caller, vin, request))


@router.get("/vehicles/{vin}/commands/{request_id}", response_model_exclude_none=True)
async def get_command_state(
    vin: str, request_id: str, caller: Caller, ctx: Services
) -> s.CommandState:
    return mappers.command_state(await get_command(ctx, caller, vin, request_id))


@router.put("/vehicles/{vin}/climate", response_model_exclude_none=True, tags=["Climate"])
async def update_climate(
    vin: str, body: s.ClimateSettingsIn, caller: Caller, ctx: Services
) -> s.ClimateSettingsOut:
    settings = await update_climate_settings(
        ctx,
        caller,
        vin,
        target_c=None if body.temperature is None else fahrenheit_to_celsius(body.temperature),
        fan_speed=body.fanSpeed,
        mode=None if body.mode is None else ClimateMode(body.mode),
    )
    return mappers.climate_settings(settings)
