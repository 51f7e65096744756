"""The operator API's one error translator: every failure is an OperatorError body.

`{"code", "message", "requestId"}`: code is a word a program acts on, message says in a
sentence what is wrong, requestId is the id to quote (it is in the logs too).
"""

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
from fleetlink.domain.errors import (
    Conflict,
    FleetlinkError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

_STATUS = StatusTable(
    [
        (Unauthenticated, 401, "UNAUTHORIZED"),
        (Forbidden, 403, "FORBIDDEN"),
        (NotFound, 404, "NOT_FOUND"),
        (InvalidInput, 400, "BAD_REQUEST"),
        (Conflict, 409, "CONFLICT"),
        (RateLimited, 429, "TOO_MANY_REQUESTS"),
        (Unavailable, 503, "SERVICE_UNAVAILABLE"),
    ],
    fallback=(400, "BAD_REQUEST"),
)
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def error_response(
    request_id: str, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The OperatorError body."""
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer error="invalid_token"'}
    body = {"code": code, "message": message, "requestId": request_id}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_translator(app: FastAPI) -> None:
    """Register the handlers that turn every failure into an OperatorError."""

    @app.exception_handler(FleetlinkError)
    async def _domain(request: Request, exc: FleetlinkError) -> JSONResponse:
        status, code = _STATUS(exc)
        rid = request_id_of(request.scope)
        return error_response(rid, status, code, exc.message, retry_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{where}: {msg}" for where, msg in validation_problems(exc))
        rid = request_id_of(request.scope)
        return error_response(rid, 400, "BAD_REQUEST", problems or "invalid request")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
        headers = http_headers(request, exc)
        return error_response(
            request_id_of(request.scope), exc.status_code, code, str(exc.detail), headers
        )

    app.add_middleware(CatchAll, respond=_internal_error)


def _internal_error(request_id: str) -> JSONResponse:
    return error_response(
        request_id,
        500,
        "INTERNAL_ERROR",
        f"internal error; quote request id {request_id} when reporting",
    )
