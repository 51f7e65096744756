"""The High Mobility Vehicle API façade as its own ASGI app, mounted at /v1."""

from fastapi import FastAPI

from fleetlink.api.contracts import HIGH_MOBILITY_SPEC, served_document
from fleetlink.api.documents import serve_document
from fleetlink.api.highmobility.errors import install_error_translator
from fleetlink.api.highmobility.routes import eligibility, fleet, oauth, vehicle_data
from fleetlink.bootstrap import Container

PREFIX = "/v1"


def create_highmobility_app(container: Container) -> FastAPI:
    """Build the façade; its OpenAPI document is the contract itself plus our extensions."""
    app = FastAPI(
        title="High Mobility Vehicle API (fleetlink)",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    install_error_translator(app)
    for module in (oauth, fleet, eligibility, vehicle_data):
        app.include_router(module.router)
    document = served_document(HIGH_MOBILITY_SPEC, PREFIX, server="/")

    serve_document(app, document, PREFIX)
    return app
