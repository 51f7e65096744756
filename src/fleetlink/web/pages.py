"""Rendering the web app's pages, and the headers every response of it carries."""

import json
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetlink.settings import Settings

templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("fleetlink.web", "templates"),
        autoescape=select_autoescape(default=True),
    )
)


def map_config(settings: Settings) -> str:
    """The map's settings as the pages' scripts read them (JSON in a data attribute)."""
    return json.dumps(
        {"tiles": settings.map_tiles_url, "attribution": settings.map_tiles_attribution}
    )


def render(request: Request, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; context may name the viewer, a message and the page's script."""
    settings: Settings = request.app.state.container.settings
    defaults = {"viewer": None, "message": None, "page": None, "title": "fleetlink"}
    full = {**defaults, **context, "map_config": map_config(settings)}
    return templates.TemplateResponse(request, name, full, status_code=status)


def redirect(location: str) -> RedirectResponse:
    """See other: after a form post the browser follows with a GET."""
    return RedirectResponse(location, status_code=303)


def content_security_policy(settings: Settings) -> bytes:
    """Scripts, styles, data and images from fleetlink only (and the tile server, if set)."""
    images = "'self' data:"
    if settings.map_tiles_url:
        # Leaflet spreads tiles over subdomains a, b, c where the URL says {s}.
        parts = urlsplit(settings.map_tiles_url.replace("{s}", "*"))
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; connect-src 'self'; "
        f"img-src {images}; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ).encode()


class PageHeaders:
    """Add the web app's security headers to every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(settings)),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"x-content-type-options", b"nosniff"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        static = scope["type"] == "http" and scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + self.headers
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
