"""The hub's ASGI application."""

from __future__ import annotations

from fastapi import FastAPI

from tandem import __version__
from tandem.hub.api import activity_routes, auth_routes, crud, errors, other_routes, resources
from tandem.hub.api.context import HubContext


def create_app(context: HubContext) -> FastAPI:
    app = FastAPI(
        title="Tandem hub",
        version=__version__,
        description="The PSA hub: the Severa REST API v1 shape, plus Tandem's extensions under /tandem/v1.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.hub = context
    errors.install(app)
    app.include_router(auth_routes.router)
    app.include_router(activity_routes.router)
    app.include_router(other_routes.router)
    for resource in (*resources.RESOURCES, other_routes.RESOURCES):
        app.include_router(crud.router_for(resource))
    return app
