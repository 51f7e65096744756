"""The operator API as its own ASGI app, mounted at /operator/v1."""

from fastapi import FastAPI

from fleetlink.api.contracts import OPERATOR_SPEC, served_document
from fleetlink.api.documents import serve_document
from fleetlink.api.operator.errors import install_error_translator
from fleetlink.api.operator.routes import devices, imports, owners, vehicles
from fleetlink.bootstrap import Container

PREFIX = "/operator/v1"


def create_operator_app(container: Container) -> FastAPI:
    """Build the façade; its OpenAPI document is specs/fleetlink-operator.openapi.yaml."""
    app = FastAPI(title="fleetlink operator API", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.container = container
    install_error_translator(app)
    for module in (imports, vehicles, devices, owners):
        app.include_router(module.router)
    serve_document(app, served_document(OPERATOR_SPEC, PREFIX), PREFIX)
    return app
