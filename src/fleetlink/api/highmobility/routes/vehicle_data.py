"""getVehicleData."""

from fastapi import APIRouter

from fleetlink.api.highmobility import mappers
from fleetlink.api.highmobility import schemas as s
from fleetlink.api.highmobility.dependencies import DataAccess, Services
from fleetlink.services.vehicle_data import read_vehicle_data

router = APIRouter(tags=["Vehicle Data"])


@router.get("/vehicle-data/autoapi-13/{vin}", response_model_exclude_none=True)
async def get_vehicle_data(vin: str, access: DataAccess, ctx: Services) -> s.VehicleData:
    vehicle, state = await read_vehicle_data(ctx, access, vin)
    return mappers.vehicle_data(vehicle, state)
