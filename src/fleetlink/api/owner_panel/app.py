"""The owner panel as its own ASGI app, mounted at /oauth: HTML in, HTML out.

Its errors are pages, never JSON: a person reads them. An authorization request whose
client or redirect URI is bad is shown here and never sent anywhere; other failures of
that request go back to the app (see fleetlink.auth.authorization).
"""

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from fleetlink.api.errors import request_id_of, retry_headers
from fleetlink.api.owner_panel.pages import PageHeaders, redirect, render
from fleetlink.api.owner_panel.routes import consent, fleets, grants, sign_in
from fleetlink.api.owner_panel.session import PREFIX, SignInRequired
from fleetlink.auth.authorization import RedirectedError
from fleetlink.bootstrap import Container
from fleetlink.domain.errors import (
    FleetlinkError,
    Forbidden,
    InvalidInput,
    NotFound,
    OAuthError,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

log = structlog.get_logger(__name__)
_STATUS: list[tuple[type[FleetlinkError], int, str]] = [
    (OAuthError, 400, "This app's request cannot be served"),
    (Unauthenticated, 401, "Please sign in"),
    (Forbidden, 403, "Not allowed"),
    (NotFound, 404, "Not found"),
    (InvalidInput, 400, "Invalid request"),
    (RateLimited, 429, "Too many attempts"),
    (Unavailable, 503, "Temporarily unavailable"),
]
_HTTP_TITLES = {404: "Not found", 405: "Not allowed"}


def _error_page(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    page = render(
        request,
        "error.html",
        status=status,
        title=title,
        detail=detail,
        request_id=request_id_of(request.scope),
    )
    page.headers.update(headers or {})
    return page


def create_owner_panel_app(container: Container) -> FastAPI:
    """Build the panel; other owner pages join it as routers using its session dependencies."""
    app = FastAPI(title="fleetlink owner panel", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.container = container
    for module in (consent, sign_in, grants, fleets):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, exc: SignInRequired) -> Response:
        return redirect(exc.location)

    @app.exception_handler(RedirectedError)
    async def _back_to_app(_: Request, exc: RedirectedError) -> Response:
        return redirect(exc.location)

    @app.exception_handler(FleetlinkError)
    async def _domain(request: Request, exc: FleetlinkError) -> Response:
        status, title = next(
            ((s, t) for kind, s, t in _STATUS if isinstance(exc, kind)), (400, "Invalid request")
        )
        return _error_page(request, status, title, exc.message, retry_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error_page(request, 400, "Invalid request", "the page was asked for wrongly")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        title = _HTTP_TITLES.get(exc.status_code, "Error")
        return _error_page(request, exc.status_code, title, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("owner_panel.unhandled", exc_info=exc)
        request_id = request_id_of(request.scope)
        return _error_page(
            request,
            500,
            "Something went wrong",
            f"an internal error; quote request id {request_id} when reporting it",
        )

    app.add_middleware(PageHeaders)
    return app


__all__ = ["PREFIX", "create_owner_panel_app"]
