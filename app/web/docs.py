"""``/docs``: the OpenAPI page from local Swagger UI assets (the ``swagger-ui-bundle`` package), so it
renders with no network; without the package, a plain page that lists the endpoints."""

from __future__ import annotations

import html

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

ASSETS = "/docs-assets"


def _swagger_path():
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return swagger_ui_path


def mount_docs(app: FastAPI) -> None:
    """Add ``/docs`` (and its assets under ``/docs-assets``) to ``app``; call before mounting the chat at ``/``."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = _swagger_path()
    if assets is not None:
        app.mount(ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        if assets is not None:
            return get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} · API",
                swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            )
        rows = "".join(
            f"<li><code>{html.escape(', '.join(sorted(getattr(r, 'methods', None) or [])))} "
            f"{html.escape(r.path)}</code> {html.escape(getattr(r, 'summary', '') or '')}</li>"
            for r in app.routes
            if getattr(r, "include_in_schema", False)
        )
        return HTMLResponse(
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(app.title)} · API</title></head>"
            f"<body><h1>{html.escape(app.title)} API</h1><ul>{rows}</ul>"
            "<p>The machine-readable description is at <a href='/openapi.json'>/openapi.json</a>.</p></body></html>"
        )
