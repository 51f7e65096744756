"""The High Mobility façade's one error translator.

API errors take High Mobility's documented shape,
`{"errors": [{"title", "detail", "source"}], "request_id"}`; the token endpoint answers
as RFC 6749 §5.2 asks, `{"error", "error_description"}`, since OAuth clients parse that; when
the store is away it says `temporarily_unavailable` (the code RFC 6749 §4.1.2.1 gives that case).
"""

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fleetlink.api.errors import (
    CatchAll,
    StatusTable,
    http_headers,
    request_id_of,
    retry_headers,
    validation_problems,
)
from fleetlink.api.highmobility.routes.oauth import create_access_token
from fleetlink.domain.errors import (
    Conflict,
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

_STATUS = StatusTable(
    [
        (Unauthenticated, 401, "Unauthorized"),
        (Forbidden, 403, "Forbidden"),
        (NotFound, 404, "Not found"),
        (InvalidInput, 400, "Invalid request"),
        (Conflict, 409, "Conflict"),
        (RateLimited, 429, "Too many requests"),
        (Unavailable, 503, "Service unavailable"),
    ],
    fallback=(400, "Invalid request"),
)
_HTTP_TITLES = {
    400: "Invalid request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    415: "Unsupported media type",
}


def error_response(
    request_id: str,
    status: int,
    title: str,
    detail: str,
    source: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """High Mobility's error body."""
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer error="invalid_token"'}
    body = {
        "errors": [{"title": title, "detail": detail, "source": source or ""}],
        "request_id": request_id,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def oauth_error_response(exc: OAuthError) -> JSONResponse:
    """RFC 6749 §5.2: a failed client authentication is 401, everything else 400."""
    body = {"error": exc.error, "error_description": exc.message}
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if exc.error == "invalid_client":
        headers["WWW-Authenticate"] = 'Basic realm="fleetlink"'
        return JSONResponse(body, status_code=401, headers=headers)
    return JSONResponse(body, status_code=400, headers=headers)


def oauth_unavailable_response(exc: Unavailable) -> JSONResponse:
    """The token endpoint's 503: an OAuth client reads `error`, and may retry after a while."""
    body = {"error": "temporarily_unavailable", "error_description": exc.message}
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache", **(retry_headers(exc) or {})}
    return JSONResponse(body, status_code=503, headers=headers)


def oauth_rate_limited_response(exc: RateLimited) -> JSONResponse:
    """The token endpoint's 429, in RFC 6749's shape (Retry-After: fleetlink.api.ratelimit)."""
    body = {"error": "temporarily_unavailable", "error_description": exc.message}
    return JSONResponse(
        body, status_code=429, headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


def _describe(exc: RequestValidationError) -> tuple[str, str]:
    problems = validation_problems(exc)
    detail = "; ".join(f"{where}: {msg}" for where, msg in problems) or "invalid request"
    return detail, problems[0][0] if problems else ""


def install_error_translator(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a High Mobility error."""

    @app.exception_handler(OAuthError)
    async def _oauth(_: Request, exc: OAuthError) -> JSONResponse:
        return oauth_error_response(exc)

    @app.exception_handler(FleetlinkError)
    async def _domain(request: Request, exc: FleetlinkError) -> JSONResponse:
        # A 429's Retry-After and RateLimit-* headers come from fleetlink.api.ratelimit.
        if isinstance(exc, Unavailable) and request.scope.get("endpoint") is create_access_token:
            return oauth_unavailable_response(exc)
        if isinstance(exc, RateLimited) and request.scope.get("endpoint") is create_access_token:
            return oauth_rate_limited_response(exc)
        status, title = _STATUS(exc)
        return error_response(
            request_id_of(request.scope), status, title, exc.message, headers=retry_headers(exc)
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, source = _describe(exc)
        return error_response(request_id_of(request.scope), 400, "Invalid request", detail, source)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        title = _HTTP_TITLES.get(exc.status_code, "Error")
        return error_response(
            request_id_of(request.scope),
            exc.status_code,
            title,
            str(exc.detail),
            headers=http_headers(request, exc),
        )

    app.add_middleware(CatchAll, respond=_internal_error)


def _internal_error(request_id: str) -> JSONResponse:
    detail = f"internal error; quote request id {request_id} when reporting"
    return error_response(request_id, 500, "Internal error", detail)
