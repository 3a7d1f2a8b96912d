"""The hub's ASGI application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI, Request, Response

from tandem import __version__
from tandem.hub.api import activity_routes, auth_routes, crud, errors, other_routes, resources
from tandem.hub.api.context import HubContext
from tandem.hub.services.errors import FieldProblem

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(context: HubContext, lifespan: Lifespan | None = None) -> FastAPI:
    """The hub's API; `lifespan` runs beside it (the workers of `tandem serve`)."""
    app = FastAPI(
        lifespan=lifespan,
        title="Tandem hub",
        version=__version__,
        description="The PSA hub: the Severa REST API v1 shape, plus Tandem's extensions under /tandem/v1.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.hub = context
    errors.install(app)

    @app.middleware("http")
    async def refuse_nul(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # A NUL in a path or query string can only be an attack or a bug; PostgreSQL
        # would refuse it deep inside a query.
        if "%00" in request.url.path or "%00" in request.url.query or "\x00" in request.url.path:
            problem = FieldProblem("", "the address may not contain NUL characters", "UriParameter")
            return errors.respond(400, "InvalidRequest", [problem])
        return await call_next(request)

    app.include_router(auth_routes.router)
    app.include_router(activity_routes.router)
    app.include_router(other_routes.router)
    for resource in (*resources.RESOURCES, other_routes.RESOURCES):
        app.include_router(crud.router_for(resource))
    return app
