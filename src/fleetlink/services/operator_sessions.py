"""Operators' sessions at the web app, kept in no server's memory.

Operators have no password: one signs in by showing an operator API token (what
`fleetlink token --operator EMAIL` prints), and gets a session of its own audience in a
cookie, with a CSRF token as owners' sessions have (fleetlink.services.owner_sessions).
"""

from dataclasses import dataclass
from datetime import timedelta

from fleetlink.auth.secrets import new_token
from fleetlink.domain.errors import Unauthenticated
from fleetlink.domain.operators import Operator
from fleetlink.services.context import ServiceContext
from fleetlink.services.operators import authenticate_operator
from fleetlink.services.tokens import TokenService

OPERATOR_SESSION_AUDIENCE = "fleetlink:web-operator"
OPERATOR_COOKIE = "fleetlink_operator"


@dataclass(frozen=True, slots=True)
class OperatorSession:
    """The operator at the web app, and the session's CSRF token."""

    operator: Operator
    csrf: str


async def start_operator_session(
    ctx: ServiceContext, tokens: TokenService, api_token: str, ttl: timedelta
) -> tuple[str, OperatorSession]:
    """A session for the operator whose API token this is (Unauthenticated if none)."""
    operator = await authenticate_operator(ctx, tokens, api_token.strip())
    csrf = new_token()
    cookie = await tokens.issue(
        operator.guid, OPERATOR_SESSION_AUDIENCE, ttl, ctx.clock(), claims={"csrf": csrf}
    )
    return cookie, OperatorSession(operator, csrf)


async def read_operator_session(
    ctx: ServiceContext, tokens: TokenService, cookie: str
) -> OperatorSession:
    """The session a cookie carries; Unauthenticated if forged, expired or its operator gone."""
    claims = await tokens.verify(cookie, OPERATOR_SESSION_AUDIENCE, ctx.clock())
    csrf = claims.extra.get("csrf")
    if not isinstance(csrf, str) or not csrf:
        raise Unauthenticated("session carries no CSRF token")
    async with ctx.store.reading() as uow:
        operator = await uow.operators.by_guid(claims.subject)
    if operator is None or operator.disabled_at is not None:
        raise Unauthenticated("the session's operator is gone or disabled")
    return OperatorSession(operator, csrf)
