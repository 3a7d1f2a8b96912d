"""The web pages beside the API in one ASGI app: `install(app, ...)` adds the page routes,
the static files under `/static/`, the security headers of page answers, and the answers
for "sign in first" (303 to `/sign-in?next=...`) and "not for you" (the 403 page).

The API's own routes and answers are untouched: the headers go only on page answers (the
API's `/docs` page sets its own policy, `tandem.hub.api.docs`), and the page errors are the web's own
exceptions. An address that is neither an API path (`API_PATHS`) nor a static file gets the
HTML "Not found" page; an unknown API path keeps the API's JSON 404.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tandem.connectors.caldav import CaldavSettings
from tandem.connectors.google import GoogleSettings
from tandem.hub.api.context import HubContext
from tandem.hub.services.calendar_setup import Sealer
from tandem.web import access, activity, calendar, erp, metrics, pages, users, week
from tandem.web.access import Forbidden, SignInRequired, Visit, sign_in_address
from tandem.web.context import HERE, ErpWiring, WebContext
from tandem.web.erp_work import ErpWork
from tandem.web.sessions import SessionSigner

STATIC = "/static"
API_PATHS = ("/v1", "/tandem", "/heartbeat", "/docs", "/openapi.json")
"""The API's addresses (each also with anything under it): never a page, their errors are JSON."""
NO_PAGE_HERE = "There is no page at this address. Check the address, or start again from the home page."
SESSION_LIFETIME_S = 12 * 3600

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
"""On every page answer: no inline script or style can run, no other site may frame a page
(clickjacking), no page address leaks to another site, no content-type guessing."""


def page_routes(app: FastAPI) -> list[APIRoute]:
    """The app's page routes (those of `tandem.web`; not /metrics, for a scraper), for the
    headers and for tests."""
    return [
        r
        for r in _routes(app.router.routes)
        if r.endpoint.__module__.startswith("tandem.web.") and r.endpoint.__module__ != metrics.__name__
    ]


def _routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route, also those of included routers (newer FastAPI keeps an included
    router as one entry holding the original router; no page router has a prefix)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)


def install(
    app: FastAPI,
    hub: HubContext,
    session_key: bytes,
    lifetime_s: int = SESSION_LIFETIME_S,
    *,
    secrets: Callable[[], Sealer] | None = None,
    calendar_settings: Callable[[], GoogleSettings | None] | None = None,
    caldav_settings: Callable[[], CaldavSettings | None] | None = None,
    erp_wiring: ErpWiring | None = None,
    metrics_token: str | None = None,
) -> WebContext:
    context = WebContext(
        hub=hub,
        signer=SessionSigner(session_key, lifetime_s),
        secrets=secrets,
        calendar_settings=calendar_settings,
        caldav_settings=caldav_settings,
        erp=erp_wiring,
        metrics_token=metrics_token,
        erp_work=(
            ErpWork(erp_wiring.integration, erp.hide_secrets(erp_wiring.settings.database_url))
            if erp_wiring is not None
            else None
        ),
    )
    app.state.web = context
    app.include_router(pages.router)
    app.include_router(calendar.router)
    app.include_router(erp.router)
    app.include_router(users.router)
    app.include_router(activity.router)
    app.include_router(week.router)
    app.include_router(metrics.router)
    app.mount(STATIC, StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(PageHeaders)
    api_http_error = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    @app.exception_handler(StarletteHTTPException)
    async def not_found_page(request: Request, exc: StarletteHTTPException) -> Response:
        """An unknown page address gets the HTML page; the API's and static files' errors stay theirs."""
        if exc.status_code == 404 and is_page_path(request.url.path):
            seen = await anyio.to_thread.run_sync(access.visit, request)  # reads the database: not on the loop
            return pages.page(request, seen, "error.html", 404, title="Not found", message=NO_PAGE_HERE)
        answer = api_http_error(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    @app.exception_handler(SignInRequired)
    async def sign_in_first(_: Request, exc: SignInRequired) -> Response:
        return Response(status_code=303, headers={"Location": sign_in_address(exc.next_path)})

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        seen: Visit = request.state.visit  # `Forbidden` comes only after `access.visit` ran
        return pages.page(request, seen, "error.html", 403, title="Not allowed", message=exc.message)

    return context


def is_api_path(path: str) -> bool:
    return any(path == root or path.startswith(root + "/") for root in API_PATHS)


def is_page_path(path: str) -> bool:
    """Every address but the API's and the static files' is a page (or the "Not found" page)."""
    return not is_api_path(path) and not (path == STATIC or path.startswith(STATIC + "/"))


class PageHeaders:
    """A pure ASGI middleware: the security headers, and `Cache-Control: no-store` (a page
    shows one person's data), on the answers of page paths and static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        is_page = is_page_path(path)
        if scope["type"] != "http" or not (is_page or path.startswith(STATIC + "/")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if is_page:
                    extra["Cache-Control"] = "no-store"
                headers += [
                    (k.lower().encode(), v.encode()) for k, v in extra.items() if k.lower().encode() not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
