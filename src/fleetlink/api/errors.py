"""What the façades' error translators share: request ids, validation messages, Retry-After for
a dependency that is away, the headers an HTTP error carries (405's Allow), the catch-all."""

from collections.abc import Callable, Sequence
from typing import Any

import structlog
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetlink.domain.errors import FleetlinkError, Unavailable

log = structlog.get_logger(__name__)


def request_id_of(scope: Scope) -> str:
    """The id RequestContextMiddleware gave this request."""
    state: dict[str, Any] = scope.get("state", {})
    return str(state.get("request_id", ""))


def validation_problems(exc: RequestValidationError) -> list[tuple[str, str]]:
    """Each problem of a request that failed validation: where it is, and what is wrong."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        problems.append((where, str(error.get("msg", "invalid"))))
    return problems


class StatusTable:
    """A façade's table from domain errors to an HTTP status and its own words for it.

    The first row whose error class the exception is an instance of wins, so a subclass
    comes before its base; an error in no row gets the fallback.
    """

    def __init__(
        self, rows: Sequence[tuple[type[FleetlinkError], int, str]], fallback: tuple[int, str]
    ) -> None:
        self._rows = tuple(rows)
        self._fallback = fallback

    def __call__(self, exc: FleetlinkError) -> tuple[int, str]:
        """The status and the façade's word for exc."""
        for kind, status, word in self._rows:
            if isinstance(exc, kind):
                return status, word
        return self._fallback


def retry_headers(exc: FleetlinkError) -> dict[str, str] | None:
    """`Retry-After` for a 503 whose dependency (the database…) is away, else no headers.

    Each façade answers Unavailable as 503 in its own shape; the header tells a client
    when to try again, rather than to give up as on a 500.
    """
    if isinstance(exc, Unavailable):
        return {"Retry-After": str(exc.retry_after)}
    return None


# The methods a 405's Allow may name (TRACE and CONNECT are never served).
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def http_headers(request: Request, exc: HTTPException) -> dict[str, str] | None:
    """The headers an HTTP error carries, with a 405's `Allow` listing every method the path
    has (RFC 9110 §15.5.6): the router names only the first matching route's methods, while
    FastAPI makes a route per method (GET and PUT of one path are two routes)."""
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        allowed = _documented_methods(request) or _routed_methods(request)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    return headers or None


def _documented_methods(request: Request) -> list[str]:
    """The methods of the most specific path of the façade's OpenAPI that matches the request
    (`/vehicles/import` before `/vehicles/{vin}`), as the contract lists them."""
    openapi = getattr(request.app, "openapi", None)
    if openapi is None:
        return []
    path, root = request.scope["path"], request.scope.get("root_path", "")
    route_path = path[len(root) :] if root and path.startswith(root) else path
    best: tuple[int, list[str]] | None = None
    for template, operations in openapi().get("paths", {}).items():
        regex, _, _ = compile_path(template)
        if regex.match(route_path):
            fixed = sum(1 for part in template.split("/") if part and "{" not in part)
            methods = [m for m in _METHODS if m.lower() in operations]
            if best is None or fixed > best[0]:
                best = (fixed, methods)
    return best[1] if best else []


def _routed_methods(request: Request) -> list[str]:
    """The methods the façade's router would take at this path (for routes left out of the
    OpenAPI document)."""
    routes = [r for r in getattr(request.app, "routes", ()) if not isinstance(r, Mount)]
    return [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]


class CatchAll:
    """Answer any unexpected failure in the façade's own shape, and log it once.

    An `exception_handler(Exception)` would answer too, but Starlette re-raises after
    it, so the server logs the same traceback a second time.
    """

    def __init__(self, app: ASGIApp, respond: Callable[[str], Response]) -> None:
        self.app = app
        self.respond = respond

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
            await self.respond(request_id_of(scope))(scope, receive, send)
