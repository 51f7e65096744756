"""Who is asking: a High Mobility fleet's own token, or an owner's Toyota token."""

from typing import Annotated

import structlog
from fastapi import Depends, Request

from fleetlink.api.dependencies import bearer_token, get_container, services
from fleetlink.api.ratelimit import enforce
from fleetlink.auth.access import GrantType
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.domain.errors import Forbidden, Unauthenticated
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.accounts import authenticate
from fleetlink.services.api_tokens import authenticate_api_token
from fleetlink.services.context import ServiceContext


async def current_subscriber(request: Request) -> Subscriber:
    """The fleet or the owner whose token signs this request, within its rate limits.

    A token is tried as a High Mobility one first, then as a Toyota one (their audiences
    differ, so a token is at most one of them).
    """
    container = get_container(request)
    token = bearer_token(request)
    try:
        access = await authenticate_api_token(container.services, container.tokens, token)
    except Unauthenticated:
        account = await authenticate(container.services, container.tokens, token, TOYOTA_AUDIENCE)
        await enforce(request, f"toyota:account:{account.guid}", None)
        return Subscriber(account_id=account.id)
    if access.grant_type is not GrantType.CLIENT_CREDENTIALS:
        raise Forbidden(
            "webhooks are the fleet's: use its own token (grant_type client_credentials), "
            "or an owner's Toyota token"
        )
    structlog.contextvars.bind_contextvars(client_id=access.client_id)
    await enforce(request, f"hm:client:{access.client_id}", None)
    return Subscriber(client_id=access.client_id)


Caller = Annotated[Subscriber, Depends(current_subscriber)]
Services = Annotated[ServiceContext, Depends(services)]
