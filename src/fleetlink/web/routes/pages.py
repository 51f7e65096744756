"""The owner's pages: the fleet map, a vehicle, its trips. Each is a shell its script fills."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleetlink.domain.charging import ChargingQuery
from fleetlink.domain.errors import VehicleNotFound
from fleetlink.services import charging, vehicles
from fleetlink.web import views
from fleetlink.web.pages import redirect, render
from fleetlink.web.session import OWNER_SIGN_IN, PageViewer, as_reader, container_of

router = APIRouter()


@router.get("/")
async def home(request: Request, viewer: PageViewer) -> Response:
    if viewer.account is None:
        return redirect("/operations")
    # The first data rides in the page, so the map needs no round trip after its scripts.
    found = await vehicles.list_snapshots(container_of(request).services, viewer.account)
    first = {"vehicles": [views.vehicle_summary(s.vehicle, s.state) for s in found]}
    return render(request, "map.html", title="Fleet", viewer=viewer, page="map", first=first)


@router.get("/sign-in")
async def sign_in() -> Response:
    return redirect(f"{OWNER_SIGN_IN}?next=/")


@router.get("/vehicles/{vin}")
async def vehicle(request: Request, vin: str, viewer: PageViewer) -> Response:
    if viewer.account is None:
        raise VehicleNotFound(vin)
    snapshot = await vehicles.get_snapshot(container_of(request).services, viewer.account, vin)
    first = views.vehicle_detail(snapshot.vehicle, snapshot.state)
    return render(
        request,
        "vehicle.html",
        title=first["name"],
        viewer=viewer,
        page="vehicle",
        vin=snapshot.vehicle.vin,
        first=first,
    )


@router.get("/vehicles/{vin}/trips")
async def trips(request: Request, vin: str, viewer: PageViewer) -> Response:
    found = await _owned(request, viewer, vin)
    return render(
        request, "trips.html", title=f"Trips · {found}", viewer=viewer, page="trips", vin=vin
    )


@router.get("/vehicles/{vin}/charging")
async def charging_sessions(request: Request, vin: str, viewer: PageViewer) -> Response:
    name = await _owned(request, viewer, vin)
    assert viewer.account is not None  # _owned let only an owner through
    # The latest sessions ride in the page; opening one is the one round trip.
    ctx = container_of(request).services
    query = ChargingQuery(limit=views.SESSIONS_PAGE)
    listed = await charging.list_sessions(ctx, as_reader(viewer.account), vin, query)
    first = views.charging_sessions(listed, 0, await charging.place_names(ctx, listed.sessions))
    return render(
        request,
        "charging.html",
        title=f"Charging · {name}",
        viewer=viewer,
        page="charging",
        vin=vin,
        first=first,
    )


async def _owned(request: Request, viewer: PageViewer, vin: str) -> str:
    """The vehicle's name; another's vehicle is as unknown as one that does not exist."""
    if viewer.account is None:
        raise VehicleNotFound(vin)
    found = await vehicles.get_vehicle(container_of(request).services, viewer.account, vin)
    return found.alias or f"{found.year} {found.make} {found.model}"
