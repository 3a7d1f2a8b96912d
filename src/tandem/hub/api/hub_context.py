"""The hub's shared state (`HubContext`): the database, token lifetimes, the listeners told
of changes, the token cache. Kept apart from `context` (the request dependencies) so that
what needs only the state, the CLI included, does not import FastAPI (issue 11, item 8)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
