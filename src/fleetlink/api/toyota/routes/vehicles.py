"""listConnectedVehicles, getConnectedVehicle, updateVehicleAlias."""

from fastapi import APIRouter

from fleetlink.api.toyota import mappers
from fleetlink.api.toyota import schemas as s
from fleetlink.api.toyota.dependencies import Caller, OwnVehicles, Services
from fleetlink.services import vehicles

router = APIRouter(tags=["Vehicles"])


@router.get("/vehicles", response_model_exclude_none=True)
async def list_connected_vehicles(found: OwnVehicles) -> s.ConnectedVehicleList:
    return s.ConnectedVehicleList(data=[mappers.connected_vehicle(v) for v in found])


@router.get("/vehicles/{vin}", response_model_exclude_none=True)
async def get_connected_vehicle(vin: str, caller: Caller, ctx: Services) -> s.ConnectedVehicle:
    return mappers.connected_vehicle(await vehicles.get_vehicle(ctx, caller, vin))


@router.put("/vehicles/{vin}", response_model_exclude_none=True)
async def update_vehicle_alias(
    vin: str, body: s.AliasUpdate, caller: Caller, ctx: Services
) -> s.ConnectedVehicle:
    renamed = await vehicles.rename_vehicle(ctx, caller, vin, body.alias, body.guid)
    return mappers.connected_vehicle(renamed)
