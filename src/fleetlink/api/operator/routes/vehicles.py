"""Vehicles: register, list, read, update, assign to an owner, deregister."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from fleetlink.api.datetimes import parse_date_time
from fleetlink.api.operator import mappers
from fleetlink.api.operator import schemas as s
from fleetlink.api.operator.dependencies import Caller, Services
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.listing import DEFAULT_LIMIT, VehicleFilter
from fleetlink.domain.vehicle import ConnectionState, Powertrain
from fleetlink.services import registry
from fleetlink.services.devices import issue_device_credential

router = APIRouter(tags=["Vehicles"])


def _date_time(name: str, raw: str | None) -> datetime | None:
    """A `format: date-time` query value with its offset (a number is no date-time), or
    InvalidInput naming the parameter."""
    if raw is None:
        return None
    try:
        return parse_date_time(raw)
    except ValueError as exc:
        raise InvalidInput(f"{name} {exc}") from None


@router.post("/vehicles", status_code=201)
async def register_vehicle(
    body: s.VehicleRegistration, _: Caller, ctx: Services
) -> s.RegisteredVehicle:
    found = await registry.register_vehicle(ctx, body.vin, mappers.details(body), body.ownerId)
    issued = await issue_device_credential(ctx, found.vin)
    return s.RegisteredVehicle(
        **mappers.vehicle(found).model_dump(), deviceCredential=mappers.secret(issued)
    )


@router.get("/vehicles")
async def list_vehicles(
    _: Caller,
    ctx: Services,
    owner: str | None = None,
    make: str | None = None,
    powertrain: Powertrain | None = None,
    connection: ConnectionState | None = None,
    lastSeenBefore: str | None = None,
    lastSeenAfter: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query()] = DEFAULT_LIMIT,
) -> s.VehicleList:
    where = VehicleFilter(
        owner=owner,
        make=make,
        powertrain=powertrain,
        connection=connection,
        seen_before=_date_time("lastSeenBefore", lastSeenBefore),
        seen_after=_date_time("lastSeenAfter", lastSeenAfter),
    )
    page = await registry.list_fleet(ctx, where, cursor, limit)
    return s.VehicleList(data=[mappers.vehicle(v) for v in page.items], nextCursor=page.next_cursor)


@router.get("/vehicles/{vin}")
async def get_vehicle(vin: str, _: Caller, ctx: Services) -> s.OperatorVehicle:
    return mappers.vehicle(await registry.get_registered(ctx, vin))


@router.patch("/vehicles/{vin}")
async def update_vehicle(
    vin: str, body: s.VehicleChange, _: Caller, ctx: Services
) -> s.OperatorVehicle:
    return mappers.vehicle(await registry.update_vehicle(ctx, vin, mappers.details(body)))


@router.delete("/vehicles/{vin}", status_code=204)
async def deregister_vehicle(vin: str, _: Caller, ctx: Services) -> Response:
    await registry.deregister_vehicle(ctx, vin)
    return Response(status_code=204)


@router.put("/vehicles/{vin}/owner")
async def assign_owner(
    vin: str, body: s.OwnerAssignment, _: Caller, ctx: Services
) -> s.OperatorVehicle:
    return mappers.vehicle(await registry.assign_owner(ctx, vin, body.ownerId))


@router.get("/vehicles/{vin}/owners")
async def ownership_history(vin: str, _: Caller, ctx: Services) -> s.OwnershipHistory:
    canonical, periods = await registry.ownership_history(ctx, vin)
    return s.OwnershipHistory(vin=canonical, data=[mappers.period(p) for p in periods])
