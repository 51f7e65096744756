"""The Toyota Connected Services façade as its own ASGI app, mounted at /connected/v1."""

from fastapi import FastAPI

from fleetlink.api.contracts import TOYOTA_SPEC, served_document
from fleetlink.api.documents import serve_document
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

    serve_document(app, document, PREFIX)
    return app
