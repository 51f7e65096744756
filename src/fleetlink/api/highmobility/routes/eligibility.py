"""getVehicleEligibility."""

from fastapi import APIRouter

from fleetlink.api.highmobility import mappers
from fleetlink.api.highmobility import schemas as s
from fleetlink.api.highmobility.dependencies import EligibilityAccess
from fleetlink.services.eligibility import check_eligibility

router = APIRouter(tags=["Vehicle Eligibility"])


@router.get("/eligibility/{vin}")
async def get_vehicle_eligibility(vin: str, _: EligibilityAccess) -> s.Eligibility:
    return mappers.eligibility(check_eligibility(vin))
