"""Owner sessions of the consent pages, kept in no server's memory.

A session is one of our signed JWTs, for an audience of its own so that it is no API
token, carried in a cookie: any server process can check it. It holds a random CSRF
token, which every form of the pages must send back; a visitor not yet signed in gets a
session too, so that the sign-in form is protected the same way.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from fleetlink.auth.secrets import new_token
from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import Forbidden, Unauthenticated
from fleetlink.services.context import ServiceContext
from fleetlink.services.tokens import TokenService

OWNER_PANEL_AUDIENCE = "fleetlink:owner-panel"
# The cookie that carries it, read by the owner panel and the web app alike.
OWNER_COOKIE = "fleetlink_owner"
# The subject of a visitor's session, before sign-in.
_VISITOR = "visitor"


@dataclass(frozen=True, slots=True)
class OwnerSession:
    """Who is at the pages (None: a visitor not signed in yet), and the session's CSRF token."""

    account: Account | None
    csrf: str
    expires_at: datetime

    def check_csrf(self, sent: str | None) -> None:
        """Refuse a form that did not come from a page of this session."""
        if not sent or not hmac.compare_digest(sent, self.csrf):
            raise Forbidden("the form is stale or did not come from this site; reload the page")


async def start_session(
    ctx: ServiceContext, tokens: TokenService, account: Account | None, ttl: timedelta
) -> tuple[str, OwnerSession]:
    """A new session (and the cookie value that carries it), with a fresh CSRF token.

    Signing in always starts a new one, so a session planted before sign-in is worthless.
    """
    now = ctx.clock()
    csrf = new_token()
    subject = account.guid if account is not None else _VISITOR
    cookie = await tokens.issue(subject, OWNER_PANEL_AUDIENCE, ttl, now, claims={"csrf": csrf})
    return cookie, OwnerSession(account=account, csrf=csrf, expires_at=now + ttl)


async def read_session(ctx: ServiceContext, tokens: TokenService, cookie: str) -> OwnerSession:
    """The session a cookie carries; Unauthenticated if it is forged, expired or its owner gone."""
    claims = await tokens.verify(cookie, OWNER_PANEL_AUDIENCE, ctx.clock())
    csrf = claims.extra.get("csrf")
    if not isinstance(csrf, str) or not csrf:
        raise Unauthenticated("session carries no CSRF token")
    account = None
    if claims.subject != _VISITOR:
        async with ctx.store.reading() as uow:
            account = await uow.accounts.by_guid(claims.subject)
        if account is None:
            raise Unauthenticated("the session's account no longer exists")
        if not account.is_active:
            raise Unauthenticated("the session's account has been disabled")
    return OwnerSession(account=account, csrf=csrf, expires_at=claims.expires_at)
