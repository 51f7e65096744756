"""The webhooks API's one error translator: High Mobility's error shape, which its fleets parse.

`{"errors": [{"title", "detail", "source"}], "request_id"}`, for owners' requests too.
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


def _error(
    request: Request,
    status: int,
    title: str,
    detail: str,
    source: str = "",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer error="invalid_token"'}
    body = {
        "errors": [{"title": title, "detail": detail, "source": source}],
        "request_id": request_id_of(request.scope),
    }
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_translator(app: FastAPI) -> None:
    """Register the handlers that turn every failure into one error shape."""

    @app.exception_handler(FleetlinkError)
    async def _domain(request: Request, exc: FleetlinkError) -> JSONResponse:
        status, title = _STATUS(exc)
        return _error(request, status, title, exc.message, headers=retry_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = validation_problems(exc)
        detail = "; ".join(f"{where}: {msg}" for where, msg in problems) or "invalid request"
        return _error(request, 400, "Invalid request", detail, problems[0][0] if problems else "")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        headers = http_headers(request, exc)
        return _error(request, exc.status_code, "Error", str(exc.detail), headers=headers)

    def _internal(request_id: str) -> JSONResponse:
        body = {
            "errors": [
                {
                    "title": "Internal error",
                    "detail": f"internal error; quote request id {request_id} when reporting",
                    "source": "",
                }
            ],
            "request_id": request_id,
        }
        return JSONResponse(body, status_code=500)

    app.add_middleware(CatchAll, respond=_internal)
