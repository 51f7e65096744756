"""GET /oauth/new (the spec's authorizationUrl) and the consent form's post."""

from collections.abc import Iterable
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleetlink.api.dependencies import get_container
from fleetlink.api.owner_panel.pages import describe, redirect, render
from fleetlink.api.owner_panel.routes.sign_in import sign_in_page
from fleetlink.api.owner_panel.session import (
    PREFIX,
    SignedIn,
    SignInRequired,
    checked_form,
    current_session,
    here,
)
from fleetlink.auth.authorization import PARAMETERS, AuthorizationRequest, UntrustedRedirect
from fleetlink.domain.errors import InvalidInput
from fleetlink.services.owner_grants import approve, authorization_request, deny
from fleetlink.services.vehicles import list_vehicles

router = APIRouter()


def _parameters(items: Iterable[tuple[str, object]]) -> dict[str, str]:
    """The authorization request's parameters; each at most once (RFC 6749 §3.1)."""
    params: dict[str, str] = {}
    for name, value in items:
        if name not in PARAMETERS:
            continue
        if name in params or not isinstance(value, str):
            raise UntrustedRedirect("invalid_request", f"parameter {name!r} is repeated")
        params[name] = value
    return params


async def _consent_page(
    request: Request,
    app: AuthorizationRequest,
    owner: SignedIn,
    *,
    chosen: Iterable[str] = (),
    message: str | None = None,
    status: int = 200,
) -> Response:
    vehicles = await list_vehicles(get_container(request).services, owner.account)
    return render(
        request,
        "consent.html",
        status=status,
        title=f"Allow {app.client.name}?",
        owner=owner.account,
        csrf=owner.csrf,
        app=app,
        scopes=describe(app.scopes),
        parameters=app.parameters(),
        vehicles=vehicles,
        chosen=set(chosen),
        return_to=urlsplit(app.redirect_uri).netloc,
        message=message,
    )


@router.get("/new")
async def new(request: Request) -> Response:
    """Ask the owner to let an app in: check the request, sign in if needed, show the choice."""
    params = _parameters(request.query_params.multi_items())
    app = await authorization_request(get_container(request).services, params)
    session = await current_session(request)
    if session is None or session.account is None:
        return await sign_in_page(request, session, here(request), app_name=app.client.name)
    return await _consent_page(request, app, SignedIn(session.account, session.csrf))


@router.post("/consent")
async def consent(request: Request) -> Response:
    """Allow (for the vehicles ticked) or deny; either way the owner goes back to the app."""
    container = get_container(request)
    form = await request.form()
    params = _parameters(form.multi_items())
    session = await current_session(request)
    if session is None or session.account is None:
        raise SignInRequired(f"{PREFIX}/new?{urlencode(params)}")
    await checked_form(request, session)
    app = await authorization_request(container.services, params)
    decision = form.get("decision")
    if decision == "deny":
        return redirect(deny(app))
    owner = SignedIn(session.account, session.csrf)
    vins = [v for v in form.getlist("vin") if isinstance(v, str)]
    if decision != "approve":
        return await _consent_page(
            request, app, owner, chosen=vins, message="Choose Allow or Deny.", status=400
        )
    try:
        location = await approve(
            container.services, owner.account, app, vins, container.settings.oauth_code_ttl
        )
    except InvalidInput as exc:
        return await _consent_page(
            request, app, owner, chosen=vins, message=exc.message, status=400
        )
    return redirect(location)
