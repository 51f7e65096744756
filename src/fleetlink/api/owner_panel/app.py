"""The owner panel as its own ASGI app, mounted at /oauth: HTML in, HTML out.

Its errors are pages, never JSON: a person reads them (fleetlink.api.owner_panel.errors).
"""

from fastapi import FastAPI

from fleetlink.api.owner_panel.errors import install_error_translator
from fleetlink.api.owner_panel.pages import PageHeaders
from fleetlink.api.owner_panel.routes import (
    api_token,
    consent,
    fleets,
    grants,
    set_password,
    sign_in,
    webhooks,
)
from fleetlink.api.owner_panel.session import PREFIX
from fleetlink.bootstrap import Container


def create_owner_panel_app(container: Container) -> FastAPI:
    """Build the panel; other owner pages join it as routers using its session dependencies."""
    app = FastAPI(title="fleetlink owner panel", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.container = container
    for module in (consent, sign_in, set_password, grants, fleets, api_token, webhooks):
        app.include_router(module.router)

    install_error_translator(app)
    app.add_middleware(PageHeaders)
    return app


__all__ = ["PREFIX", "create_owner_panel_app"]
