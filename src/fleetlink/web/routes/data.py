"""The data the pages read and the commands they send, as JSON: parse, call a service, map."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from fleetlink.domain.charging import MAX_OFFSET, ChargingQuery
from fleetlink.domain.commands import CommandKind, CommandRequest
from fleetlink.domain.trips import TripQuery
from fleetlink.services import charging, commands, history, statistics, vehicles
from fleetlink.web import views
from fleetlink.web.session import ApiOwner, ApiViewer, as_reader, container_of

router = APIRouter(prefix="/app/api")

# The buttons of the vehicle page, and the command each sends.
BUTTONS: dict[str, CommandKind] = {
    "lock": CommandKind.LOCK,
    "unlock": CommandKind.UNLOCK,
    "climate_start": CommandKind.CLIMATE_START,
    "climate_stop": CommandKind.CLIMATE_STOP,
    "horn": CommandKind.HORN,
    "lights": CommandKind.LIGHTS,
    "refresh": CommandKind.REFRESH_STATUS,
}


class MarkRead(BaseModel):
    ids: list[str] = Field(max_length=history.MAX_MARKED)


class CommandBody(BaseModel):
    kind: Literal["lock", "unlock", "climate_start", "climate_stop", "horn", "lights", "refresh"]


@router.get("/me")
async def me(viewer: ApiViewer) -> dict[str, Any]:
    return {"email": viewer.email, "kind": viewer.kind}


@router.get("/vehicles")
async def fleet(request: Request, owner: ApiOwner) -> dict[str, Any]:
    ctx = container_of(request).services
    found = await vehicles.list_snapshots(ctx, owner)
    return {"vehicles": [views.vehicle_summary(s.vehicle, s.state) for s in found]}


@router.get("/vehicles/{vin}")
async def vehicle(request: Request, vin: str, owner: ApiOwner) -> dict[str, Any]:
    snapshot = await vehicles.get_snapshot(container_of(request).services, owner, vin)
    return views.vehicle_detail(snapshot.vehicle, snapshot.state)


@router.post("/vehicles/{vin}/commands", status_code=202)
async def send(request: Request, vin: str, body: CommandBody, owner: ApiOwner) -> dict[str, Any]:
    ctx = container_of(request).services
    command = await commands.send_command(ctx, owner, vin, CommandRequest(BUTTONS[body.kind]))
    return views.command(command)


@router.get("/vehicles/{vin}/commands/{command_id}")
async def follow(request: Request, vin: str, command_id: str, owner: ApiOwner) -> dict[str, Any]:
    ctx = container_of(request).services
    return views.command(await commands.get_command(ctx, owner, vin, command_id))


@router.get("/vehicles/{vin}/trips")
async def trips(request: Request, vin: str, day: date, owner: ApiOwner) -> dict[str, Any]:
    ctx = container_of(request).services
    _, page = await history.list_trips(ctx, owner, vin, TripQuery(day, day))
    return {"day": day.isoformat(), "trips": [views.trip(t, with_route=False) for t in page.trips]}


@router.get("/vehicles/{vin}/trips/{trip_id}")
async def trip(
    request: Request, vin: str, trip_id: str, day: date, owner: ApiOwner
) -> dict[str, Any]:
    ctx = container_of(request).services
    return views.trip(await history.get_trip(ctx, owner, vin, trip_id, day), with_route=True)


@router.get("/vehicles/{vin}/notifications")
async def notifications(request: Request, vin: str, owner: ApiOwner) -> dict[str, Any]:
    ctx = container_of(request).services
    page = await history.list_notifications(ctx, owner, vin, unread_only=False)
    return views.notifications(page)


@router.post("/vehicles/{vin}/notifications/read")
async def mark_read(request: Request, vin: str, body: MarkRead, owner: ApiOwner) -> dict[str, Any]:
    ctx = container_of(request).services
    return {"marked": await history.mark_notifications_read(ctx, owner, vin, body.ids)}


@router.get("/vehicles/{vin}/service-records")
async def service_records(request: Request, vin: str, owner: ApiOwner) -> dict[str, Any]:
    _, records = await history.list_service_records(container_of(request).services, owner, vin)
    return views.service_records(records)


@router.get("/vehicles/{vin}/statistics")
async def month_figures(
    request: Request,
    vin: str,
    owner: ApiOwner,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
) -> dict[str, Any]:
    ctx = container_of(request).services
    figures, driven = await statistics.month_overview(ctx, as_reader(owner), vin, month)
    return views.totals(month, driven, figures)


@router.get("/vehicles/{vin}/charging-sessions")
async def charging_sessions(
    request: Request,
    vin: str,
    owner: ApiOwner,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    ctx = container_of(request).services
    query = ChargingQuery(limit=views.SESSIONS_PAGE, offset=offset)
    found = await charging.list_sessions(ctx, as_reader(owner), vin, query)
    return views.charging_sessions(found, offset, await charging.place_names(ctx, found.sessions))


@router.get("/vehicles/{vin}/charging-sessions/{session_id}")
async def charging_session(
    request: Request, vin: str, session_id: Annotated[str, Path(max_length=64)], owner: ApiOwner
) -> dict[str, Any]:
    ctx = container_of(request).services
    found = await charging.get_session(ctx, as_reader(owner), vin, session_id)
    names = await charging.place_names(ctx, [found])
    return views.charging_session(found, with_curve=True, place_name=names[found.id])
