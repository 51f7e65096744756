"""getTrips, getVehicleNotifications, getServiceHistory."""

from fastapi import APIRouter, Response

from fleetlink.api.toyota import mappers
from fleetlink.api.toyota import schemas as s
from fleetlink.api.toyota.dependencies import Caller, Services
from fleetlink.domain.trips import MAX_TRIPS_PAGE, TripQuery
from fleetlink.services import history

router = APIRouter(tags=["History"])


@router.get("/vehicles/{vin}/trips")
async def get_trips(
    vin: str,
    fromDate: str,
    toDate: str,
    caller: Caller,
    ctx: Services,
    limit: int = MAX_TRIPS_PAGE,
    offset: int = 0,
    includeRoute: bool = False,
    includeSummary: bool = True,
) -> Response:
    query = TripQuery(
        s.iso_date("fromDate", fromDate),
        s.iso_date("toDate", toDate),
        limit=limit,
        offset=offset,
        include_route=includeRoute,
    )
    vehicle, page = await history.list_trips(ctx, caller, vin, query)
    answer = mappers.trip_list(
        page,
        vehicle.vin,
        limit=limit,
        offset=offset,
        include_summary=includeSummary,
        include_route=includeRoute,
    )
    # Built from typed dicts and serialized once, not validated again (schemas.TripHistory).
    return Response(s.TRIP_HISTORY_LIST.dump_json(answer), media_type="application/json")


@router.get("/vehicles/{vin}/notifications", response_model_exclude_none=True)
async def get_vehicle_notifications(
    vin: str, caller: Caller, ctx: Services, unreadOnly: bool = False
) -> s.NotificationList:
    page = await history.list_notifications(ctx, caller, vin, unread_only=unreadOnly)
    return s.NotificationList(
        data=[mappers.notification(n) for n in page.notifications],
        total=page.total,
        unreadCount=page.unread_count,
    )


@router.get("/vehicles/{vin}/service-history", response_model_exclude_none=True)
async def get_service_history(vin: str, caller: Caller, ctx: Services) -> s.ServiceHistoryList:
    vehicle, records = await history.list_service_records(ctx, caller, vin)
    return s.ServiceHistoryList(data=[mappers.service_record(r, vehicle.vin) for r in records])
