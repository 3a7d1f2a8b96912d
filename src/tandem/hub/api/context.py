"""What every request handler needs: the database, the settings, and who is asking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from tandem.hub.api.errors import ApiError
from tandem.hub.services import clients
from tandem.hub.services.clients import Principal
from tandem.store.db import Database

Listener = Callable[[], None]


@dataclass
class HubContext:
    db: Database
    access_token_lifetime_s: int = 3600
    refresh_token_lifetime_s: int = 30 * 24 * 3600
    on_activity_change: list[Listener] = field(default_factory=list)
    """Called after a transaction that changed activities commits (the runtime wakes up)."""

    def activity_changed(self) -> None:
        for listener in self.on_activity_change:
            listener()


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
    with hub(request).db.read() as session:
        found = clients.lookup_token(session, token.strip())
    if found is None:
        raise ApiError(
            401,
            "AuthenticationRequired",
            "the access token is unknown or expired",
            "Authorization",
            "RequestHeader",
            UNAUTHENTICATED,
        )
    client, stored = found
    claimed = request.headers.get("client_id")
    if claimed is not None and claimed != client.client_id:
        raise ApiError(
            401, "AuthenticationRequired", "Client_Id does not match the token", "Client_Id", "RequestHeader"
        )
    return Principal(client.client_id, frozenset(stored.scopes.split()))


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
