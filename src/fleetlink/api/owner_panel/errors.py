"""The owner panel's one error translator: every failure becomes a page a person can read.

An authorization request whose client or redirect URI is bad is shown here and never sent
anywhere; other failures of that request go back to the app (see fleetlink.auth.authorization).
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from fleetlink.api.errors import CatchAll, StatusTable, http_headers, request_id_of, retry_headers
from fleetlink.api.owner_panel.pages import redirect, render, render_detached
from fleetlink.api.owner_panel.session import SignInRequired
from fleetlink.auth.authorization import RedirectedError
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

_STATUS = StatusTable(
    [
        (OAuthError, 400, "This app's request cannot be served"),
        (Unauthenticated, 401, "Please sign in"),
        (Forbidden, 403, "Not allowed"),
        (NotFound, 404, "Not found"),
        (InvalidInput, 400, "Invalid request"),
        (RateLimited, 429, "Too many attempts"),
        (Unavailable, 503, "Temporarily unavailable"),
    ],
    fallback=(400, "Invalid request"),
)
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


def install_error_translator(app: FastAPI) -> None:
    """Register the handlers that turn every failure into one of the panel's pages."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, exc: SignInRequired) -> Response:
        return redirect(exc.location)

    @app.exception_handler(RedirectedError)
    async def _back_to_app(_: Request, exc: RedirectedError) -> Response:
        return redirect(exc.location)

    @app.exception_handler(FleetlinkError)
    async def _domain(request: Request, exc: FleetlinkError) -> Response:
        status, title = _STATUS(exc)
        return _error_page(request, status, title, exc.message, retry_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error_page(request, 400, "Invalid request", "the page was asked for wrongly")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        title = _HTTP_TITLES.get(exc.status_code, "Error")
        headers = http_headers(request, exc)
        return _error_page(request, exc.status_code, title, str(exc.detail), headers)

    app.add_middleware(CatchAll, respond=_internal_error)


def _internal_error(request_id: str) -> Response:
    return render_detached(
        "error.html",
        status=500,
        title="Something went wrong",
        detail=f"an internal error; quote request id {request_id} when reporting it",
        request_id=request_id,
    )
