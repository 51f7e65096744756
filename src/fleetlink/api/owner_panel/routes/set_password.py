"""Setting a password by the single-use link an operator passed on to a new owner.

The form is protected like the sign-in form: a visitor's session carries its CSRF token.
A used, expired or unknown link, or one of a disabled account, is a 404 page that says so.
"""

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleetlink.api.dependencies import get_container
from fleetlink.api.owner_panel.pages import render
from fleetlink.api.owner_panel.routes.sign_in import sign_in_page
from fleetlink.api.owner_panel.session import (
    HOME,
    checked_form,
    current_session,
    new_session,
    set_session_cookie,
)
from fleetlink.domain.errors import InvalidInput
from fleetlink.services.owner_sessions import OwnerSession
from fleetlink.services.password_links import link_account, set_password

router = APIRouter()
log = structlog.get_logger(__name__)


async def _form(
    request: Request, session: OwnerSession | None, token: str, message: str | None = None
) -> Response:
    account = await link_account(get_container(request).services, token)
    started = await new_session(request, None) if session is None else None
    csrf = started.csrf if started is not None else session.csrf if session else ""
    response = render(
        request,
        "set_password.html",
        status=200 if message is None else 400,
        title="Set your password",
        csrf=csrf,
        token=token,
        email=account.email,
        message=message,
    )
    if started is not None:
        set_session_cookie(request, response, started)
    return response


@router.get("/set-password")
async def show_set_password(request: Request, token: str = "") -> Response:
    """The form, if the link is still usable."""
    return await _form(request, await current_session(request), token)


@router.post("/set-password")
async def post_set_password(request: Request) -> Response:
    """Spend the link and set the password; then the owner signs in with it."""
    session = await current_session(request)
    form = await request.form()
    token = str(form.get("token") or "")
    if session is None:
        return await _form(request, None, token, "The page had expired; please try again.")
    await checked_form(request, session)
    try:
        account = await set_password(
            get_container(request).services,
            token,
            str(form.get("password") or ""),
            str(form.get("confirm") or ""),
        )
    except InvalidInput as exc:
        return await _form(request, session, token, exc.message)
    log.info("owner_panel.password_set", owner=account.guid)
    return await sign_in_page(
        request, session, HOME, email=account.email, message="Your password is set: sign in."
    )
