"""What every request handler needs: the database, the settings, and who is asking."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from tandem.hub.api.errors import ApiError
from tandem.hub.api.throttle import Throttle
from tandem.hub.models.common import utcnow
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
    on_user_active: list[Callable[[str], None]] = field(default_factory=list)
    """Called with a user's guid when the user logs in or works in the PSA (their sync starts)."""

    throttle: Throttle = field(default_factory=Throttle)
    """Slows down secret guessing at `POST /v1/token`."""
    token_cache_s: float = 30.0
    """How long a checked token is trusted without asking the database again."""
    _tokens: dict[str, tuple[Principal, float]] = field(default_factory=dict, repr=False)
    _tokens_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def activity_changed(self) -> None:
        for listener in self.on_activity_change:
            listener()

    def principal_for(self, token: str) -> Principal | None:
        """The client a bearer token belongs to (None: unknown or expired). Checked tokens
        are remembered for `token_cache_s`, never past their own expiry."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._tokens_lock:
            cached = self._tokens.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        with self.db.read() as session:
            found = clients.lookup_token(session, token)
        if found is None:
            return None
        client, stored = found
        principal = Principal(client.client_id, frozenset(stored.scopes.split()))
        remaining = (stored.expires_at - utcnow()).total_seconds()
        with self._tokens_lock:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[key] = (principal, now + min(self.token_cache_s, remaining))
        return principal


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
