"""The owner's session at the panel, as dependencies other pages reuse.

`SignedInOwner` gives a page the signed-in owner, or sends the browser to the sign-in form
and back; `OwnerForm` gives a form post's fields once its CSRF token proved the form came
from a page of the same session. Both read only the signed cookie, so any server process
can serve any request.
"""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from fleetlink.api.dependencies import get_container
from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import Forbidden, Unauthenticated
from fleetlink.services.owner_sessions import (
    OWNER_COOKIE,
    OwnerSession,
    read_session,
    start_session,
)

PREFIX = "/oauth"
COOKIE = OWNER_COOKIE
CSRF_FIELD = "csrf"
HOME = f"{PREFIX}/grants"
# The web app's pages (fleetlink.web), which send an owner here to sign in and back.
WEB_APP_PAGES = ("/", "/vehicles/")


class SignInRequired(Exception):
    """The page needs a signed-in owner; the panel answers with a redirect to sign in."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.location = f"{PREFIX}/sign-in?{urlencode({'next': next_url})}"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A signed-in owner, and the CSRF token the page's forms must carry."""

    account: Account
    csrf: str


@dataclass(frozen=True, slots=True)
class PostedForm:
    """A form post whose CSRF token matched its signed-in session."""

    owner: SignedIn
    fields: FormData


def _web_app_page(path: str) -> bool:
    return path == WEB_APP_PAGES[0] or any(path.startswith(p) for p in WEB_APP_PAGES[1:])


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: only a page of the panel or the web app, never another site."""
    if not target:
        return HOME
    # The query may carry URLs (an app's redirect_uri): only the path decides where we go.
    parts = urlsplit(target)
    if (
        not parts.scheme
        and not parts.netloc
        and (parts.path.startswith(f"{PREFIX}/") or _web_app_page(parts.path))
        and "\\" not in parts.path
        and "//" not in parts.path
    ):
        return target
    return HOME


def here(request: Request) -> str:
    """This page's path and query, to come back to after sign-in."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def current_session(request: Request) -> OwnerSession | None:
    """The session the cookie carries; None when there is none or it is expired or forged."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    container = get_container(request)
    try:
        return await read_session(container.services, container.tokens, cookie)
    except Unauthenticated:
        return None


async def signed_in_owner(request: Request) -> SignedIn:
    """The signed-in owner; anyone else is sent to sign in and brought back here after."""
    session = await current_session(request)
    if session is None or session.account is None:
        raise SignInRequired(here(request) if request.method == "GET" else HOME)
    return SignedIn(session.account, session.csrf)


async def checked_form(request: Request, session: OwnerSession | None) -> FormData:
    """The posted form, once its CSRF token matched the session's; else Forbidden."""
    fields = await request.form()
    if session is None:
        raise Forbidden("your session has expired; go back, reload the page and try again")
    sent = fields.get(CSRF_FIELD)
    session.check_csrf(sent if isinstance(sent, str) else None)
    return fields


async def posted_form(request: Request) -> PostedForm:
    """A signed-in owner's form post, CSRF-checked."""
    session = await current_session(request)
    if session is None or session.account is None:
        raise SignInRequired(HOME)
    fields = await checked_form(request, session)
    return PostedForm(SignedIn(session.account, session.csrf), fields)


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just started: its cookie value and CSRF token."""

    cookie: str
    csrf: str


async def new_session(request: Request, account: Account | None) -> NewSession:
    """Start a session, a visitor's or, at sign-in, an owner's."""
    container = get_container(request)
    ttl = container.settings.owner_session_ttl
    cookie, session = await start_session(container.services, container.tokens, account, ttl)
    return NewSession(cookie, session.csrf)


def set_session_cookie(request: Request, response: Response, session: NewSession) -> None:
    """Give the browser the session's cookie."""
    ttl = get_container(request).settings.owner_session_ttl
    response.set_cookie(
        COOKIE,
        session.cookie,
        max_age=int(ttl.total_seconds()),
        # The whole site: the web app at / reads the same session (fleetlink.web).
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        # Lax: the cookie comes along when an app sends the owner here, never on a
        # cross-site form post, which is a second wall behind the CSRF token.
        samesite="lax",
    )


def end_session(response: Response) -> None:
    """Forget the session cookie."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


SignedInOwner = Annotated[SignedIn, Depends(signed_in_owner)]
OwnerForm = Annotated[PostedForm, Depends(posted_form)]
