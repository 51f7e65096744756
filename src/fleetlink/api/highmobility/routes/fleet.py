"""listFleetVehicles, addFleetVehicle, getFleetVehicle, removeFleetVehicle, and the history."""

from fastapi import APIRouter, Response

from fleetlink.api.highmobility import mappers
from fleetlink.api.highmobility import schemas as s
from fleetlink.api.highmobility.dependencies import ClearanceAccess, Services
from fleetlink.services import fleet

router = APIRouter(tags=["Fleet Clearance"])


@router.get("/fleet/vehicles", response_model_exclude_none=True)
async def list_fleet_vehicles(access: ClearanceAccess, ctx: Services) -> list[s.FleetVehicle]:
    return [mappers.fleet_vehicle(v) for v in await fleet.list_fleet(ctx, access)]


@router.post("/fleet/vehicles", status_code=201, response_model_exclude_none=True)
async def add_fleet_vehicle(
    body: s.FleetVehicleRequest, access: ClearanceAccess, ctx: Services
) -> s.FleetVehicle:
    entry = await fleet.register_vehicle(ctx, access, body.vin, body.brand, body.license_plate)
    return mappers.fleet_vehicle(entry)


@router.get("/fleet/vehicles/{vin}", response_model_exclude_none=True)
async def get_fleet_vehicle(vin: str, access: ClearanceAccess, ctx: Services) -> s.FleetVehicle:
    return mappers.fleet_vehicle(await fleet.get_fleet_vehicle(ctx, access, vin))


@router.delete("/fleet/vehicles/{vin}", status_code=204)
async def remove_fleet_vehicle(vin: str, access: ClearanceAccess, ctx: Services) -> Response:
    await fleet.remove_vehicle(ctx, access, vin)
    return Response(status_code=204)


@router.get("/fleet/vehicles/{vin}/clearance-history")
async def get_clearance_history(
    vin: str, access: ClearanceAccess, ctx: Services
) -> list[s.ClearanceEvent]:
    changes = await fleet.clearance_history(ctx, access, vin)
    return [mappers.clearance_event(c) for c in changes]
