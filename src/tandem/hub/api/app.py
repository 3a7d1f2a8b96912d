"""The hub's ASGI application."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from tandem import __version__
from tandem.hub.api import activity_routes, auth_routes, crud, docs, errors, other_routes, resources
from tandem.hub.api.context import HubContext
from tandem.hub.api.door import Door, Limits

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(context: HubContext, lifespan: Lifespan | None = None, limits: Limits | None = None) -> FastAPI:
    """The hub's API; `lifespan` runs beside it (the workers of `tandem serve`)."""
    app = FastAPI(
        lifespan=lifespan,
        title="Tandem hub",
        version=__version__,
        description="The PSA hub: the Severa REST API v1 shape, plus Tandem's extensions under /tandem/v1.",
        docs_url=None,  # ours, served from this server (`docs`)
        redoc_url=None,
    )
    docs.install(app, app.title)
    app.state.hub = context
    errors.install(app)
    app.add_middleware(Door, limits=limits, refuse=auth_routes.throttled_address(context))

    app.include_router(auth_routes.router)
    app.include_router(activity_routes.router)
    app.include_router(other_routes.router)
    for resource in (*resources.RESOURCES, other_routes.RESOURCES):
        app.include_router(crud.router_for(resource))
    return app
