"""The Toyota façade's one error translator: everything becomes the spec's `{code, message}`."""

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetlink.domain.errors import (
    Conflict,
    FleetlinkError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Unauthenticated,
)

log = structlog.get_logger(__name__)

_STATUS: list[tuple[type[FleetlinkError], int, str]] = [
    (Unauthenticated, 401, "UNAUTHORIZED"),
    (NotFound, 404, "NOT_FOUND"),
    (InvalidInput, 400, "BAD_REQUEST"),
    (Conflict, 409, "CONFLICT"),
    (InvalidTransition, 409, "CONFLICT"),
]
_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """The spec's Error body."""
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else None
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_translator(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a Toyota Error."""

    @app.exception_handler(FleetlinkError)
    async def _domain(_: Request, exc: FleetlinkError) -> JSONResponse:
        for kind, status, code in _STATUS:
            if isinstance(exc, kind):
                return error_response(status, code, exc.message)
        return error_response(400, "BAD_REQUEST", exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "BAD_REQUEST", _describe(exc))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "ERROR")
        return error_response(exc.status_code, code, str(exc.detail))

    app.add_middleware(_CatchAll)


class _CatchAll:
    """Answer any unexpected failure with the contract's Error, and log it once.

    An `exception_handler(Exception)` would answer too, but Starlette re-raises after
    it, so the server logs the same traceback a second time.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            log.error("http.unhandled", exc_info=exc)
            if started or scope["type"] != "http":
                return
            request_id = scope.get("state", {}).get("request_id", "unknown")
            response = error_response(
                500,
                "INTERNAL_ERROR",
                f"internal error; quote request id {request_id} when reporting",
            )
            await response(scope, receive, send)
