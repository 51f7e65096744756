"""Signing in and out of the panel."""

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleetlink.api.dependencies import get_container
from fleetlink.api.owner_panel.pages import redirect, render
from fleetlink.api.owner_panel.session import (
    PREFIX,
    checked_form,
    current_session,
    end_session,
    new_session,
    safe_next,
    set_session_cookie,
)
from fleetlink.api.ratelimit import SIGN_IN, count_failure, refuse_guessing
from fleetlink.domain.errors import Unauthenticated
from fleetlink.services.accounts import verify_credentials
from fleetlink.services.owner_sessions import OwnerSession

router = APIRouter()
log = structlog.get_logger(__name__)


async def sign_in_page(
    request: Request,
    session: OwnerSession | None,
    next_url: str,
    *,
    app_name: str | None = None,
    email: str | None = None,
    message: str | None = None,
) -> Response:
    """The sign-in form, in a visitor's session (started here if there is none)."""
    started = await new_session(request, None) if session is None else None
    csrf = started.csrf if started is not None else session.csrf if session else ""
    response = render(
        request,
        "sign_in.html",
        title="Sign in",
        csrf=csrf,
        next=safe_next(next_url),
        app_name=app_name,
        email=email,
        message=message,
    )
    if started is not None:
        set_session_cookie(request, response, started)
    return response


@router.get("/sign-in")
async def show_sign_in(request: Request, next: str | None = None) -> Response:
    """The sign-in form; an owner already signed in goes straight on."""
    session = await current_session(request)
    if session is not None and session.account is not None:
        return redirect(safe_next(next))
    return await sign_in_page(request, session, safe_next(next))


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    """Check the owner's email and password; on success a new session, and on to next."""
    session = await current_session(request)
    form = await request.form()
    next_url = safe_next(str(form.get("next") or ""))
    if session is None:
        # The visitor's session expired while the form was open: a fresh form, no harm done.
        return await sign_in_page(
            request, None, next_url, message="The page had expired; please sign in again."
        )
    await checked_form(request, session)
    email = str(form.get("email") or "")
    await refuse_guessing(request, SIGN_IN, email)
    try:
        account = await verify_credentials(
            get_container(request).services, email, str(form.get("password") or "")
        )
    except Unauthenticated:
        log.info("owner_panel.sign_in_failed")
        await count_failure(request, SIGN_IN, email)
        # 200, not 401: this is a form, not HTTP authentication (a 401 would need a
        # WWW-Authenticate challenge no browser can answer); the page says what went wrong.
        return await sign_in_page(
            request, session, next_url, email=email, message="Wrong email or password."
        )
    started = await new_session(request, account)
    response = redirect(next_url)
    set_session_cookie(request, response, started)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """End the session (the form must come from one of its pages)."""
    session = await current_session(request)
    if session is not None:
        await checked_form(request, session)
    response = redirect(f"{PREFIX}/sign-in")
    end_session(response)
    return response
