"""Rendering the panel's pages, and the headers every one of them carries."""

from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetlink.api.owner_panel.session import PREFIX
from fleetlink.auth.scopes import DESCRIPTIONS
from fleetlink.domain.oauth import Scope as OAuthScope

_HEADERS = [
    # No script at all, styles only inline; and no framing, so that no other site can lay
    # the consent page under a decoy and have the owner click Allow (clickjacking).
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    # The pages' URLs carry an app's state and the redirects carry codes: tell nobody.
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
]

templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("fleetlink.api.owner_panel", "templates"),
        autoescape=select_autoescape(default=True),
    )
)


def describe(scopes: Iterable[OAuthScope]) -> list[str]:
    """The scopes in words, in a stable order."""
    return [DESCRIPTIONS[s] for s in sorted(scopes)]


def _page_context(context: dict[str, Any]) -> dict[str, Any]:
    """What every page's template reads, with context's values over the defaults."""
    defaults = {"owner": None, "csrf": "", "message": None, "notice": None, "title": "fleetlink"}
    return {**defaults, **context, "prefix": PREFIX, "describe": describe}


def render(request: Request, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the panel; context may name the owner, the CSRF token and a message."""
    return templates.TemplateResponse(request, name, _page_context(context), status_code=status)


def render_detached(name: str, *, status: int, **context: Any) -> HTMLResponse:
    """A page rendered without the request, for when the request itself is what failed."""
    body = templates.get_template(name).render(_page_context(context))
    return HTMLResponse(body, status_code=status)


def redirect(location: str) -> RedirectResponse:
    """See other: after a form post the browser follows with a GET."""
    return RedirectResponse(location, status_code=303)


class PageHeaders:
    """Add the panel's security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                message = {**message, "headers": headers + _HEADERS}
            await send(message)

        await self.app(scope, receive, with_headers)
