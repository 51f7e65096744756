"""The High Mobility façade's dependencies: what the caller's token grants, and the services."""

from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from fastapi import Depends, Request

from fleetlink.api.dependencies import bearer_token, get_container, services
from fleetlink.api.ratelimit import enforce
from fleetlink.auth.access import ApiAccess, GrantType
from fleetlink.domain.errors import Forbidden
from fleetlink.domain.oauth import Scope
from fleetlink.services.api_tokens import authenticate_api_token
from fleetlink.services.context import ServiceContext
from fleetlink.services.vehicle_data import Snapshot, read_vehicle_data


async def current_access(request: Request) -> ApiAccess:
    """What the token that signs this request grants, once it is within its rate limits."""
    vin = request.path_params.get("vin")
    if vin is not None:
        structlog.contextvars.bind_contextvars(vin=vin)
    container = get_container(request)
    access = await authenticate_api_token(
        container.services, container.tokens, bearer_token(request)
    )
    structlog.contextvars.bind_contextvars(client_id=access.client_id)
    await enforce(request, f"hm:client:{access.client_id}", vin)
    return access


def _require(access: ApiAccess, scope: Scope) -> None:
    if scope not in access.scopes:
        raise Forbidden(f"this token lacks the {scope.value!r} scope")


def requiring(scope: Scope) -> Callable[[Request], Awaitable[ApiAccess]]:
    """A dependency: the caller's access, which must include scope (else 403)."""

    async def dependency(request: Request) -> ApiAccess:
        access = await current_access(request)
        _require(access, scope)
        return access

    return dependency


async def readable_vehicle(request: Request) -> Snapshot:
    """The path's vehicle with its latest state, as requiring(VEHICLE_DATA) and then
    read_vehicle_data would give it, checked in the same order: the hot read of a fleet."""
    vin: str = request.path_params["vin"]
    structlog.contextvars.bind_contextvars(vin=vin)
    container = get_container(request)

    async def admit(access: ApiAccess) -> None:
        structlog.contextvars.bind_contextvars(client_id=access.client_id)
        await enforce(request, f"hm:client:{access.client_id}", vin)
        _require(access, Scope.VEHICLE_DATA)

    return await read_vehicle_data(
        container.services, container.tokens, bearer_token(request), vin, admit
    )


def fleet_operator(scope: Scope) -> Callable[[Request], Awaitable[ApiAccess]]:
    """A dependency: a fleet's own (client-credentials) token with scope."""
    scoped = requiring(scope)

    async def dependency(request: Request) -> ApiAccess:
        access = await scoped(request)
        if access.grant_type is not GrantType.CLIENT_CREDENTIALS:
            raise Forbidden(
                "fleet clearance needs the fleet's own token (grant_type client_credentials), "
                "not one an owner granted"
            )
        return access

    return dependency


Services = Annotated[ServiceContext, Depends(services)]
ReadableVehicle = Annotated[Snapshot, Depends(readable_vehicle)]
ClearanceAccess = Annotated[ApiAccess, Depends(fleet_operator(Scope.FLEET_CLEARANCE))]
EligibilityAccess = Annotated[ApiAccess, Depends(requiring(Scope.ELIGIBILITY_CHECK))]
