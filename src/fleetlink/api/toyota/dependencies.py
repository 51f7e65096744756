"""The Toyota façade's dependencies: the authenticated, rate-limited account and the services."""

from typing import Annotated

import structlog
from fastapi import Depends, Request

from fleetlink.api.dependencies import bearer_token, get_container, services
from fleetlink.api.ratelimit import enforce
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.domain.accounts import Account
from fleetlink.services.accounts import authenticate
from fleetlink.services.context import ServiceContext


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


Caller = Annotated[Account, Depends(current_account)]
Services = Annotated[ServiceContext, Depends(services)]
