"""Dependencies every façade shares: the container, the caller's bearer token."""

from fastapi import Request

from fleetlink.bootstrap import Container
from fleetlink.domain.errors import Unauthenticated
from fleetlink.services.context import ServiceContext


def get_container(request: Request) -> Container:
    """The container the app was built with."""
    container: Container = request.app.state.container
    return container


async def services(request: Request) -> ServiceContext:
    """The service context (async, so FastAPI calls it inline rather than in a thread)."""
    return get_container(request).services


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer …` header, or Unauthenticated."""
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated("missing Authorization header: send `Authorization: Bearer <token>`")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization header must be `Bearer <token>`")
    return token.strip()
