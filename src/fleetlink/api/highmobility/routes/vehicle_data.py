"""getVehicleData."""

from fastapi import APIRouter

from fleetlink.api.highmobility import mappers
from fleetlink.api.highmobility import schemas as s
from fleetlink.api.highmobility.dependencies import ReadableVehicle

router = APIRouter(tags=["Vehicle Data"])


@router.get("/vehicle-data/autoapi-13/{vin}", response_model_exclude_none=True)
async def get_vehicle_data(vin: str, found: ReadableVehicle) -> s.VehicleData:
    # vin is read by the dependency; named here, it stays a documented path parameter.
    return mappers.vehicle_data(*found)
