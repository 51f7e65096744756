"""The Toyota façade's dependencies: the authenticated, rate-limited account and the services."""

from typing import Annotated

import structlog
from fastapi import Depends, Request

from fleetlink.api.dependencies import bearer_token, get_container, services
from fleetlink.api.ratelimit import enforce
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.domain.accounts import Account
from fleetlink.domain.vehicle import Vehicle
from fleetlink.services.accounts import authenticate
from fleetlink.services.context import ServiceContext
from fleetlink.services.vehicles import VehicleSnapshot, list_own_vehicles, read_own_snapshot


async def current_account(request: Request) -> Account:
    """The account whose token signs this request, once it is within its rate limits."""
    vin = request.path_params.get("vin")
    if vin is not None:
        # Every log line of this request, the access log included, names the vehicle.
        structlog.contextvars.bind_contextvars(vin=vin)
    container = get_container(request)
    account = await authenticate(
        container.services, container.tokens, bearer_token(request), TOYOTA_AUDIENCE
    )
    await enforce(request, f"toyota:account:{account.guid}", vin)
    return account


async def own_snapshot(request: Request) -> VehicleSnapshot:
    """The caller's vehicle of the path's VIN with its latest state, as current_account and
    get_snapshot would give it, in one unit of work: the state reads' hot path."""
    vin: str = request.path_params["vin"]
    structlog.contextvars.bind_contextvars(vin=vin)
    container = get_container(request)

    async def admit(account: Account) -> None:
        await enforce(request, f"toyota:account:{account.guid}", vin)

    return await read_own_snapshot(
        container.services, container.tokens, bearer_token(request), TOYOTA_AUDIENCE, vin, admit
    )


async def own_vehicles(request: Request) -> list[Vehicle]:
    """Every vehicle of the caller, as current_account and list_vehicles would give them, in
    one unit of work."""
    container = get_container(request)

    async def admit(account: Account) -> None:
        await enforce(request, f"toyota:account:{account.guid}", None)

    return await list_own_vehicles(
        container.services, container.tokens, bearer_token(request), TOYOTA_AUDIENCE, admit
    )


Caller = Annotated[Account, Depends(current_account)]
OwnVehicles = Annotated[list[Vehicle], Depends(own_vehicles)]
OwnSnapshot = Annotated[VehicleSnapshot, Depends(own_snapshot)]
Services = Annotated[ServiceContext, Depends(services)]
