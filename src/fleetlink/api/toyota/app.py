"""The Toyota Connected Services façade as its own ASGI app, mounted at /connected/v1."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from fleetlink.api.contracts import TOYOTA_SPEC, served_document
from fleetlink.api.toyota.errors import install_error_translator
from fleetlink.api.toyota.routes import commands, history, status, vehicles
from fleetlink.bootstrap import Container

PREFIX = "/connected/v1"


def create_toyota_app(container: Container) -> FastAPI:
    """Build the façade; its OpenAPI document is the contract itself plus our extensions."""
    app = FastAPI(
        title="Toyota Connected Services API (fleetlink)",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    install_error_translator(app)
    for module in (vehicles, status, commands, history):
        app.include_router(module.router)
    document = served_document(TOYOTA_SPEC, PREFIX)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        return document

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{PREFIX}/openapi.json", title=document["info"]["title"]
        )

    return app
