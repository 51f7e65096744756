"""create_app(settings) -> the ASGI app: every façade, health, keys, one lifespan."""

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from fleetlink import __version__
from fleetlink.api.dependencies import get_container
from fleetlink.api.highmobility.app import PREFIX as HIGH_MOBILITY_PREFIX
from fleetlink.api.highmobility.app import create_highmobility_app
from fleetlink.api.middleware import RequestContextMiddleware
from fleetlink.api.operator.app import PREFIX as OPERATOR_PREFIX
from fleetlink.api.operator.app import create_operator_app
from fleetlink.api.owner_panel.app import PREFIX as OWNER_PANEL_PREFIX
from fleetlink.api.owner_panel.app import create_owner_panel_app
from fleetlink.api.ratelimit import RateLimitHeaders
from fleetlink.api.toyota.app import PREFIX as TOYOTA_PREFIX
from fleetlink.api.toyota.app import create_toyota_app
from fleetlink.api.webhooks.app import PREFIX as WEBHOOKS_PREFIX
from fleetlink.api.webhooks.app import create_webhooks_app
from fleetlink.bootstrap import Container, build
from fleetlink.services import settling
from fleetlink.services.retention import sweep
from fleetlink.settings import Settings
from fleetlink.supervisor import Supervisor
from fleetlink.web.app import create_web_app

log = structlog.get_logger(__name__)
SWEEP_INTERVAL_S = 3600.0


class _Mount(Mount):
    """A mount that takes every path under its prefix.

    Starlette's mount pattern is `.*`, which stops at a line break, so a path whose
    decoded form held one (`/oauth/grants/%0A…`) fell through to the root's bare JSON
    404 instead of reaching the API that owns the prefix and answering in its shape.
    """

    def __init__(self, path: str, app: ASGIApp) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


class _Fallback(_Mount):
    """The web app's mount at the root: it takes what no API claimed, but not a path of the
    root's own routes asked with another method (TRACE /healthz), which is the route's 405
    with Allow, not the web app's 404."""

    def __init__(self, app: ASGIApp, beside: list[BaseRoute]) -> None:
        super().__init__("", app)
        self._beside = [r for r in beside if isinstance(r, Route)]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if any(r.matches(scope)[0] is not Match.NONE for r in self._beside):
            return Match.NONE, {}
        return super().matches(scope)


class _Root(FastAPI):
    """The root app, which hands a request for an API straight to that API's app.

    Each API is an app of its own, with its own error translator and middleware; going
    through the root's as well (its error and exception middleware, its exit stack, its
    router) cost a read more than its query. So the root's middleware wraps the APIs'
    mounts directly, and only what no API's prefix takes (health, keys, metrics, the web
    app, lifespan) goes through the root's own stack.
    """

    def serve_directly(self, mounts: list[_Mount], wrap: Callable[[ASGIApp], ASGIApp]) -> None:
        """Route requests under mounts' prefixes past the root's stack, within wrap."""
        self._direct_mounts = tuple(mounts)
        self._entry = wrap(self._dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        await self._entry(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        for mount in self._direct_mounts:
            match, child = mount.matches(scope)
            if match is Match.FULL:
                # As the root's router would: the mount's path parameters and root path.
                scope.update(child)
                await mount.handle(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


async def _sweep(container: Container) -> None:
    """Delete what the store keeps only for a while (fleetlink.services.retention), hourly."""
    while True:
        try:
            swept = await sweep(container.services)
            if swept.anything:
                log.info(
                    "retention.swept",
                    messages=swept.messages,
                    codes=swept.codes,
                    refresh_tokens=swept.refresh_tokens,
                    dead_letters=swept.dead_letters,
                    events=swept.events,
                    deliveries=swept.deliveries,
                    attempts=swept.attempts,
                )
        except Exception:
            log.exception("retention.sweep_failed")
        await asyncio.sleep(SWEEP_INTERVAL_S)


class Server(uvicorn.Server):
    """uvicorn's server, which tells the app's streams when it begins to stop.

    uvicorn's graceful shutdown waits for every response to end, and a stream never ends
    on its own: told through `container.stopping`, each closes within a poll interval.
    """

    def __init__(self, config: uvicorn.Config, container: Container) -> None:
        super().__init__(config)
        self._container = container

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        self._container.stopping.set()
        await super().shutdown(sockets)


def start_background(container: Container) -> Supervisor:
    """Start what runs beside the requests, each restarted by a supervisor when it stops.

    The MQTT session always (it publishes commands); the sweeps (retention; settling what
    expires by the clock) and webhook delivery only in a primary process.
    """
    supervisor = Supervisor()
    if container.primary:
        supervisor.start("retention", lambda: _sweep(container))
        supervisor.start("settling", lambda: settling.run(container.services))
    if container.primary and container.webhooks is not None:
        supervisor.start("webhooks", container.webhooks.run)
    if container.telematics is not None:
        supervisor.start("telematics", container.telematics.run)
    if container.broker is not None:
        supervisor.start("device-credentials", container.broker.gate.watch)
    return supervisor


async def _problems(request: Request) -> list[str]:
    """What keeps this server from doing its work now; nothing when it is ready."""
    container = get_container(request)
    problems = []
    try:
        await container.store.ping()
    except Exception as exc:
        log.warning("health.store_unreachable", error=str(exc))
        problems.append("store unreachable")
    supervisor: Supervisor | None = getattr(request.app.state, "supervisor", None)
    if supervisor is None:
        return problems  # served without its lifespan (tests over ASGI): nothing runs
    for name, why in sorted(supervisor.down().items()):
        problems.append(f"{name} stopped ({why})")
    link = container.telematics
    if link is not None and not link.connected.is_set():
        problems.append(
            "MQTT session down: vehicles' messages are not being ingested"
            if link.ingests
            else "MQTT session down: commands wait for their vehicles' next online message"
        )
    return problems


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    """Build the app from settings; a container passed in is used as it is (and left open)."""
    owned = container is None
    wired = container if container is not None else build(settings or Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if owned:
            await wired.start()
        await wired.start_broker()
        supervisor = start_background(wired)
        app.state.supervisor = supervisor
        log.info("server.ready", database=wired.store.engine.url.render_as_string())
        try:
            yield
        finally:
            await supervisor.stop()
            if owned:
                await wired.close()

    app = _Root(
        title="fleetlink",
        version=__version__,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = wired

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        problems = await _problems(request)
        if problems:
            return JSONResponse(
                {"status": "unavailable", "detail": "; ".join(problems)},
                503,
                headers={"Retry-After": "5"},
            )
        return JSONResponse({"status": "ok"})

    @app.get("/.well-known/jwks.json")
    async def jwks(request: Request) -> dict[str, Any]:
        return await get_container(request).tokens.jwks()

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    apis = [
        _Mount(TOYOTA_PREFIX, create_toyota_app(wired)),
        _Mount(HIGH_MOBILITY_PREFIX, create_highmobility_app(wired)),
        _Mount(OWNER_PANEL_PREFIX, create_owner_panel_app(wired)),
        _Mount(OPERATOR_PREFIX, create_operator_app(wired)),
        _Mount(WEBHOOKS_PREFIX, create_webhooks_app(wired)),
    ]
    app.router.routes += [
        *apis,
        # Last: everything no API claimed is the web app's (its pages, /static, /app/api).
        _Fallback(create_web_app(wired), app.router.routes),
    ]
    # Around every request of every API and page, so that each answer carries its request
    # id and RateLimit headers. The root's own routes are none of the APIs' prefixes, so
    # trying the APIs' mounts first finds what the root's router would.
    app.serve_directly(apis, lambda inner: RequestContextMiddleware(RateLimitHeaders(inner)))
    return app
