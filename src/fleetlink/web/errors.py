"""The web app's one error translator: JSON for the pages' scripts, a page for a person."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from fleetlink.api.errors import CatchAll, StatusTable, http_headers, request_id_of, retry_headers
from fleetlink.domain.errors import (
    FleetlinkError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from fleetlink.web.pages import redirect, render
from fleetlink.web.session import SignInRequired

_STATUS = StatusTable(
    [
        (Unauthenticated, 401, "Please sign in"),
        (Forbidden, 403, "Not allowed"),
        (NotFound, 404, "Not found"),
        (InvalidInput, 400, "Invalid request"),
        (RateLimited, 429, "Too many requests"),
        (Unavailable, 503, "Temporarily unavailable"),
    ],
    fallback=(400, "Invalid request"),
)


def _answer(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    response: Response
    if request.url.path.startswith("/app/api/"):
        response = JSONResponse({"error": title, "detail": detail}, status)
    else:
        response = render(
            request,
            "error.html",
            status=status,
            title=title,
            detail=detail,
            request_id=request_id_of(request.scope),
        )
    response.headers.update(headers or {})
    return response


def install_error_translator(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a page or a JSON error."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, exc: SignInRequired) -> Response:
        return redirect(exc.location)

    @app.exception_handler(FleetlinkError)
    async def _domain(request: Request, exc: FleetlinkError) -> Response:
        status, title = _STATUS(exc)
        return _answer(request, status, title, exc.message, retry_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _answer(request, 400, "Invalid request", "the page was asked for wrongly")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        title = {404: "Not found", 405: "Not allowed"}.get(exc.status_code, "Error")
        return _answer(request, exc.status_code, title, str(exc.detail), http_headers(request, exc))

    app.add_middleware(CatchAll, respond=_internal_error)


def _internal_error(request_id: str) -> Response:
    return JSONResponse(
        {"error": "Something went wrong", "detail": f"quote request id {request_id}"}, 500
    )
