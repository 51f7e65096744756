"""fleetlink's own reads of a vehicle (charging sessions, monthly statistics): parse, call one
service, map. Owners with their Toyota token, fleets with their own, as for webhooks."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from fleetlink.api.webhooks import vehicle_schemas as s
from fleetlink.api.webhooks.dependencies import Caller, Services
from fleetlink.api.webhooks.schemas import DateTime
from fleetlink.domain.charging import ChargingQuery
from fleetlink.services import charging, statistics

router = APIRouter(prefix="/vehicles/{vin}", tags=["Vehicles"])
Vin = Annotated[str, Path(max_length=32)]


@router.get("/charging-sessions", response_model_exclude_none=True)
async def list_charging_sessions(
    vin: Vin,
    caller: Caller,
    ctx: Services,
    start: Annotated[DateTime | None, Query(alias="from")] = None,
    end: Annotated[DateTime | None, Query(alias="to")] = None,
    limit: int = 50,
    offset: int = 0,
) -> s.ChargingSessionPage:
    query = ChargingQuery(start, end, limit, offset)
    return s.page(await charging.list_sessions(ctx, caller, vin, query), query)


@router.get("/charging-sessions/{session_id}", response_model_exclude_none=True)
async def get_charging_session(
    vin: Vin, session_id: Annotated[str, Path(max_length=64)], caller: Caller, ctx: Services
) -> s.ChargingSessionOut:
    found = await charging.get_session(ctx, caller, vin, session_id)
    return s.session(found, with_curve=True)


@router.get("/statistics")
async def get_statistics(
    vin: Vin, month: Annotated[str, Query(max_length=20)], caller: Caller, ctx: Services
) -> s.VehicleStatisticsOut:
    return s.statistics(await statistics.monthly_statistics(ctx, caller, vin, month))
