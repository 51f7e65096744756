"""A façade's own OpenAPI document and Swagger UI, served beside its routes."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse


def serve_document(app: FastAPI, document: dict[str, Any], mounted_at: str) -> None:
    """Serve document at /openapi.json and its docs at /docs, under the app's mount point."""

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        return document

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{mounted_at}/openapi.json", title=document["info"]["title"]
        )
