"""What every request handler needs: the hub's state (`HubContext`, kept in `hub_context`)
and who is asking."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from tandem.hub.api.errors import ApiError
from tandem.hub.api.hub_context import HubContext
from tandem.hub.services.clients import Principal

__all__ = ["UNAUTHENTICATED", "HubContext", "authenticate", "hub", "require"]


def hub(request: Request) -> HubContext:
    context: HubContext = request.app.state.hub
    return context


UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="tandem"'}


def authenticate(request: Request) -> Principal:
    """The bearer token's client; the `Client_Id` header, when sent, must be that client."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "AuthenticationRequired",
            "a bearer token is required (POST /v1/token)",
            "Authorization",
            "RequestHeader",
            UNAUTHENTICATED,
        )
    principal = hub(request).principal_for(token.strip())
    if principal is None:
        raise ApiError(
            401,
            "AuthenticationRequired",
            "the access token is unknown or expired",
            "Authorization",
            "RequestHeader",
            UNAUTHENTICATED,
        )
    claimed = request.headers.get("client_id")
    if claimed is not None and claimed != principal.client_id:
        raise ApiError(
            401, "AuthenticationRequired", "Client_Id does not match the token", "Client_Id", "RequestHeader"
        )
    return principal


def require(scope: str) -> Callable[[Request], Principal]:
    """A dependency: the caller must hold `scope` (as the Severa spec names it per route)."""

    def check(request: Request) -> Principal:
        principal = authenticate(request)
        if scope not in principal.scopes:
            raise ApiError(
                403, "InsufficientApiScope", f"this route needs the scope {scope}", "Authorization", "RequestHeader"
            )
        return principal

    check.__name__ = f"require_{scope.replace(':', '_')}"
    return check
