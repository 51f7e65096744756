"""Operators: create them, issue their tokens, and know who an operator token speaks for."""

import uuid
from datetime import timedelta

from fleetlink.auth.tokens import OPERATOR_AUDIENCE
from fleetlink.domain.accounts import normalize_email
from fleetlink.domain.errors import Conflict, NotFound, Unauthenticated
from fleetlink.domain.operators import Operator
from fleetlink.services.context import ServiceContext
from fleetlink.services.tokens import TokenService


async def create_operator(ctx: ServiceContext, email: str) -> Operator:
    """Register an operator; the email must be no other operator's."""
    address = normalize_email(email)
    operator = Operator(id=0, guid=str(uuid.uuid4()), email=address, created_at=ctx.clock())
    try:
        async with ctx.store.writing() as uow:
            if await uow.operators.by_email(address) is not None:
                raise Conflict(f"an operator {address} already exists")
            operator = await uow.operators.add(operator)
            await uow.commit()
    except Conflict as exc:
        raise Conflict(f"an operator {address} already exists") from exc
    return operator


async def operator_token(
    ctx: ServiceContext, tokens: TokenService, email: str, ttl: timedelta
) -> str:
    """An operator API token for the operator registered with email."""
    address = normalize_email(email)
    async with ctx.store.reading() as uow:
        operator = await uow.operators.by_email(address)
    if operator is None:
        raise NotFound(f"no operator {address}: create one with `fleetlink operators create`")
    if operator.disabled_at is not None:
        raise Conflict(f"operator {address} is disabled")
    return await tokens.issue(operator.guid, OPERATOR_AUDIENCE, ttl, ctx.clock())


async def authenticate_operator(ctx: ServiceContext, tokens: TokenService, token: str) -> Operator:
    """The operator a bearer token speaks for, checked in full on every request.

    The audience keeps owners' and apps' tokens out; the lookup, made whether or not the
    token's signature was cached, ends a disabled operator's tokens at once.
    """
    claims = await tokens.verify(token, OPERATOR_AUDIENCE, ctx.clock())
    async with ctx.store.reading() as uow:
        operator = await uow.operators.by_guid(claims.subject)
    if operator is None:
        raise Unauthenticated("token's operator no longer exists")
    if operator.disabled_at is not None:
        raise Unauthenticated("token's operator has been disabled")
    return operator
