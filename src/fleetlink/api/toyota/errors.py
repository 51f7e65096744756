"""The Toyota façade's one error translator: everything becomes the spec's `{code, message}`."""

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fleetlink.api.errors import (
    CatchAll,
    StatusTable,
    http_headers,
    retry_headers,
    validation_problems,
)
from fleetlink.domain.errors import (
    Conflict,
    FleetlinkError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

log = structlog.get_logger(__name__)

_STATUS = StatusTable(
    [
        (Unauthenticated, 401, "UNAUTHORIZED"),
        (NotFound, 404, "NOT_FOUND"),
        (InvalidInput, 400, "BAD_REQUEST"),
        (Conflict, 409, "CONFLICT"),
        (InvalidTransition, 409, "CONFLICT"),
        (RateLimited, 429, "TOO_MANY_REQUESTS"),
        (Unavailable, 503, "SERVICE_UNAVAILABLE"),
    ],
    fallback=(400, "BAD_REQUEST"),
)
_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The spec's Error body."""
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer error="invalid_token"'}
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def _describe(exc: RequestValidationError) -> str:
    problems = validation_problems(exc)
    return "; ".join(f"{where}: {msg}" for where, msg in problems) or "invalid request"


def install_error_translator(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a Toyota Error."""

    @app.exception_handler(FleetlinkError)
    async def _domain(_: Request, exc: FleetlinkError) -> JSONResponse:
        status, code = _STATUS(exc)
        return error_response(status, code, exc.message, retry_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "BAD_REQUEST", _describe(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "ERROR")
        return error_response(exc.status_code, code, str(exc.detail), http_headers(request, exc))

    app.add_middleware(CatchAll, respond=_internal_error)


def _internal_error(request_id: str) -> JSONResponse:
    return error_response(
        500, "INTERNAL_ERROR", f"internal error; quote request id {request_id} when reporting"
    )
