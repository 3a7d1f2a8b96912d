"""`/docs`: the API's Swagger UI, served whole from this server, so that it works offline.

FastAPI's own page loads Swagger UI from a CDN (blank without the internet) and starts it with
an inline script (which a Content-Security-Policy of `script-src 'self'` forbids). Here the
Swagger UI files come from the `fastapi-offline` package (its `static/`: Swagger UI 5, which
reads the OpenAPI 3.1 FastAPI writes), installed with Tandem, never fetched at run time; the
start-up script is a file of our own (`static/swagger-init.js`). All are under `/docs/files/`,
and the page carries a policy that allows only this server's files (`POLICY`).
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

PATH = "/docs"
FILES = f"{PATH}/files"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
"""Only this server's scripts, styles and data (Swagger UI's icons are data: images)."""


def install(app: FastAPI, title: str) -> None:
    """The page at `/docs` and its files under `/docs/files/`; `app.openapi_url` is what it shows."""
    page = _page(title, app.openapi_url or "/openapi.json")
    app.mount(FILES, StaticFiles(packages=[("fastapi_offline", "static"), ("tandem.hub.api", "static")]), name="docs")

    @app.get(PATH, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": POLICY, "X-Content-Type-Options": "nosniff"})


def _page(title: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} - API</title>
<link rel="stylesheet" href="{FILES}/swagger-ui.css">
<link rel="icon" href="{FILES}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{FILES}/swagger-ui-bundle.js"></script>
<script src="{FILES}/swagger-init.js"></script>
</body>
</html>
"""
