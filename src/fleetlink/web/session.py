"""Who is at the web app: an owner (the owner panel's session) or an operator.

Owners sign in at the owner panel (/oauth/sign-in), whose session cookie covers the whole
site; operators sign in here with an operator API token. Both sessions carry a CSRF token,
which every page embeds and every request that changes something sends back in a header.
"""

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request

from fleetlink.api.ratelimit import enforce
from fleetlink.bootstrap import Container
from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import Forbidden, Unauthenticated
from fleetlink.domain.operators import Operator
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.operator_sessions import OPERATOR_COOKIE, read_operator_session
from fleetlink.services.owner_sessions import OWNER_COOKIE, OwnerSession, read_session

CSRF_HEADER = "x-csrf-token"
OWNER_SIGN_IN = "/oauth/sign-in"
OPERATOR_SIGN_IN = "/operations/sign-in"


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in person: an owner's account or an operator, and the session's CSRF token."""

    email: str
    csrf: str
    account: Account | None = None
    operator: Operator | None = None

    @property
    def kind(self) -> str:
        return "owner" if self.account is not None else "operator"


class SignInRequired(Exception):
    """A page needs someone signed in: the browser goes to sign in, then comes back."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.location = f"{OWNER_SIGN_IN}?{urlencode({'next': back_to})}"


async def _owner(request: Request) -> OwnerSession | None:
    cookie = request.cookies.get(OWNER_COOKIE)
    if not cookie:
        return None
    container = container_of(request)
    try:
        return await read_session(container.services, container.tokens, cookie)
    except Unauthenticated:
        return None


async def current_viewer(request: Request) -> Viewer | None:
    """The signed-in owner, else the signed-in operator, else None."""
    owner = await _owner(request)
    if owner is not None and owner.account is not None:
        return Viewer(owner.account.email, owner.csrf, account=owner.account)
    cookie = request.cookies.get(OPERATOR_COOKIE)
    if cookie:
        container = container_of(request)
        try:
            session = await read_operator_session(container.services, container.tokens, cookie)
        except Unauthenticated:
            return None
        return Viewer(session.operator.email, session.csrf, operator=session.operator)
    return None


async def page_viewer(request: Request) -> Viewer:
    """For a page: the viewer, or off to sign in and back here."""
    viewer = await current_viewer(request)
    if viewer is None:
        query = request.url.query
        raise SignInRequired(request.url.path + (f"?{query}" if query else ""))
    return viewer


async def api_viewer(request: Request) -> Viewer:
    """For the pages' data: the viewer (401 without one); a change must carry the CSRF token."""
    viewer = await current_viewer(request)
    if viewer is None:
        raise Unauthenticated("sign in first")
    # The same budgets as the APIs' callers, a bucket of the web app's own per person.
    who = viewer.account.guid if viewer.account is not None else viewer.email
    await enforce(request, f"web:{viewer.kind}:{who}", request.path_params.get("vin"))
    if request.method not in ("GET", "HEAD"):
        sent = request.headers.get(CSRF_HEADER)
        if not sent or not hmac.compare_digest(sent, viewer.csrf):
            raise Forbidden("the request did not come from a page of this session; reload")
    return viewer


async def owner_of(viewer: "ApiViewer") -> Account:
    """The owner's account; an operator has no vehicles of their own here."""
    if viewer.account is None:
        raise Forbidden("owners only")
    return viewer.account


def as_reader(account: Account) -> Subscriber:
    """The owner as the charging and statistics services name their callers."""
    return Subscriber(account_id=account.id)


async def operator_of(viewer: "ApiViewer") -> Operator:
    """The operator; owners never see the operator's view."""
    if viewer.operator is None:
        raise Forbidden("operators only")
    return viewer.operator


PageViewer = Annotated[Viewer, Depends(page_viewer)]
ApiViewer = Annotated[Viewer, Depends(api_viewer)]
ApiOwner = Annotated[Account, Depends(owner_of)]
ApiOperator = Annotated[Operator, Depends(operator_of)]
