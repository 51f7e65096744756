"""A façade's own OpenAPI document and Swagger UI, served beside its routes."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

# Swagger UI from fleetlink itself (the web app's pinned copy, docs/web.md), not a CDN: the
# docs work offline, and a browser reading them asks no other host.
SWAGGER_UI = "/static/vendor/swagger-ui-dist"


def serve_document(app: FastAPI, document: dict[str, Any], mounted_at: str) -> None:
    """Serve document at /openapi.json and its docs at /docs, under the app's mount point."""

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        return document

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{mounted_at}/openapi.json",
            title=document["info"]["title"],
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            # Else Swagger UI sends the document to a public validator for its badge.
            swagger_ui_parameters={"validatorUrl": None},
        )
