"""The operator's part of the web app: sign-in with an API token, the fleet, ingestion health."""

from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleetlink.domain.errors import Unauthenticated
from fleetlink.services import registry
from fleetlink.services.operator_sessions import OPERATOR_COOKIE, start_operator_session
from fleetlink.web import views
from fleetlink.web.ingestion import ingestion_figures
from fleetlink.web.pages import redirect, render
from fleetlink.web.session import ApiOperator, PageViewer, container_of, current_viewer

router = APIRouter()
log = structlog.get_logger(__name__)


@router.get("/operations/sign-in")
async def sign_in_form(request: Request) -> Response:
    return render(request, "operator_sign_in.html", title="Operator sign-in")


@router.post("/operations/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    container = container_of(request)
    ttl = container.settings.owner_session_ttl
    try:
        cookie, _ = await start_operator_session(
            container.services, container.tokens, str(form.get("token") or ""), ttl
        )
    except Unauthenticated:
        log.info("web.operator_sign_in_failed")
        return render(
            request,
            "operator_sign_in.html",
            title="Operator sign-in",
            message="That is not a valid operator token.",
        )
    response = redirect("/operations")
    response.set_cookie(
        OPERATOR_COOKIE,
        cookie,
        max_age=int(ttl.total_seconds()),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        # Strict: an operator's session never rides along on a request another site starts.
        samesite="strict",
    )
    return response


@router.post("/operations/sign-out")
async def sign_out(request: Request) -> Response:
    viewer = await current_viewer(request)
    form = await request.form()
    response = redirect("/operations/sign-in")
    if viewer is not None and viewer.operator is not None and form.get("csrf") == viewer.csrf:
        response.delete_cookie(OPERATOR_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/operations")
async def operator_page(request: Request, viewer: PageViewer) -> Response:
    if viewer.operator is None:
        return render(
            request,
            "error.html",
            status=404,
            title="Not found",
            viewer=viewer,
            detail="this page is for operators",
        )
    return render(request, "operator.html", title="Operations", viewer=viewer, page="operator")


@router.get("/app/api/operator/fleet")
async def fleet(request: Request, _: ApiOperator) -> dict[str, Any]:
    found = await registry.fleet_with_owners(container_of(request).services)
    return {"vehicles": [views.registered(v, email) for v, email in found]}


@router.get("/app/api/operator/ingestion")
async def ingestion(_: ApiOperator) -> dict[str, Any]:
    return ingestion_figures()
