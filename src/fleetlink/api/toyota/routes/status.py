"""The state reads: status, health, position, electric and climate status."""

from fastapi import APIRouter

from fleetlink.api.toyota import mappers
from fleetlink.api.toyota import schemas as s
from fleetlink.api.toyota.dependencies import OwnSnapshot

router = APIRouter(tags=["Status"])


@router.get("/vehicles/{vin}/status", response_model_exclude_none=True)
async def get_vehicle_status(vin: str, snap: OwnSnapshot) -> s.VehicleStatus:
    return mappers.vehicle_status(snap.vehicle, snap.state)


@router.get("/vehicles/{vin}/health", response_model_exclude_none=True)
async def get_vehicle_health(vin: str, snap: OwnSnapshot) -> s.VehicleHealth:
    return mappers.vehicle_health(snap.vehicle, snap.state)


@router.get("/vehicles/{vin}/location", response_model_exclude_none=True)
async def get_vehicle_position(vin: str, snap: OwnSnapshot) -> s.VehiclePosition:
    return mappers.vehicle_position(snap.vehicle, snap.state)


@router.get("/vehicles/{vin}/electric", response_model_exclude_none=True)
async def get_electric_status(vin: str, snap: OwnSnapshot) -> s.ElectricStatus:
    return mappers.electric_status(snap.vehicle, snap.state)


@router.get("/vehicles/{vin}/climate", response_model_exclude_none=True)
async def get_climate_status(vin: str, snap: OwnSnapshot) -> s.ClimateStatus:
    return mappers.climate_status(snap.vehicle, snap.state)
