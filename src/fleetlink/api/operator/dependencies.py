"""The operator API's dependencies: the authenticated operator and the services."""

from typing import Annotated

import structlog
from fastapi import Depends, Request

from fleetlink.api.dependencies import bearer_token, get_container, services
from fleetlink.domain.operators import Operator
from fleetlink.services.context import ServiceContext
from fleetlink.services.operators import authenticate_operator


async def current_operator(request: Request) -> Operator:
    """The operator whose token signs this request; owners' and apps' tokens are refused."""
    vin = request.path_params.get("vin")
    if vin is not None:
        # Every log line of this request, the access log included, names the vehicle.
        structlog.contextvars.bind_contextvars(vin=vin)
    container = get_container(request)
    operator = await authenticate_operator(
        container.services, container.tokens, bearer_token(request)
    )
    structlog.contextvars.bind_contextvars(operator=operator.guid)
    return operator


Caller = Annotated[Operator, Depends(current_operator)]
Services = Annotated[ServiceContext, Depends(services)]
