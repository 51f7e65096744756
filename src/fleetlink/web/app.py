"""The web app as its own ASGI app, mounted at / after every API (their prefixes win)."""

from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from fleetlink.bootstrap import Container
from fleetlink.web.errors import install_error_translator
from fleetlink.web.pages import PageHeaders
from fleetlink.web.routes import data, operator, pages

STATIC = Path(__file__).parent / "static"


def create_web_app(container: Container) -> FastAPI:
    """Build the web app: its pages, the JSON they read, and its pinned static assets."""
    app = FastAPI(title="fleetlink web", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.container = container
    for module in (pages, data, operator):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_translator(app)
    app.add_middleware(PageHeaders, settings=container.settings)
    # The map page's first load: Leaflet and the basemap shrink to a third or less.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    return app
