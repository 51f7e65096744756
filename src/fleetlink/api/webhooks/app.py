"""fleetlink's own API (webhooks, the live stream, vehicle reads), at /fleetlink/v1."""

from fastapi import FastAPI

from fleetlink.api.webhooks import routes, stream, vehicles
from fleetlink.api.webhooks.errors import install_error_translator
from fleetlink.bootstrap import Container

PREFIX = "/fleetlink/v1"


def create_webhooks_app(container: Container) -> FastAPI:
    """Build the façade (documented in specs/fleetlink-extensions.openapi.yaml)."""
    app = FastAPI(title="fleetlink webhooks", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.container = container
    install_error_translator(app)
    app.include_router(routes.router)
    app.include_router(stream.router)
    app.include_router(vehicles.router)
    return app
