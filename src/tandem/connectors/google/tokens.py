"""Access tokens per user, by domain-wide delegation (RFC 7523 JWT-bearer grant).

For each user the service account signs an assertion (`iss` = the account, `sub` = the
user, `scope` = the calendar scope, one hour of validity) with google-auth's signer and
posts it to the token endpoint over the shared httpx client. The token is cached until
`refresh_margin` before it expires; concurrent callers for the same user share one
in-flight request (thousands of users start their syncs at once after a restart, and each
must cost one token request, not one per coroutine).

`aud` is the token URI we post to: Google's own by default (what Google expects), the
emulator's in tests. Tokens and assertions never reach a log line or a message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from google.auth import jwt

from tandem.connectors.google.credentials import ServiceAccountKey
from tandem.connectors.google.errors import CALENDAR_SCOPE, Answer, Call, MappingError, Unreadable, translate
from tandem.connectors.google.retry import RetryPolicy, retrying

log = logging.getLogger("tandem.connectors.google")
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class _Token:
    value: str = field(repr=False)
    fresh_until: float


class TokenSource:
    """Bearer tokens for the users the service account acts as."""

    def __init__(
        self,
        key: ServiceAccountKey,
        http: httpx.AsyncClient,
        *,
        token_uri: str,
        scope: str = CALENDAR_SCOPE,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        refresh_margin: float = 300.0,
    ) -> None:
        self._key = key
        self._http = http
        self._token_uri = token_uri
        self._scope = scope
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._wall_clock = wall_clock
        self._margin = refresh_margin
        self._cache: dict[str, _Token] = {}
        self._pending: dict[str, asyncio.Future[_Token]] = {}

    def __repr__(self) -> str:
        return f"TokenSource(account={self._key.email!r}, users={len(self._cache)})"

    @property
    def service_account(self) -> str:
        return self._key.email

    @property
    def client_id(self) -> str | None:
        return self._key.client_id

    async def token(self, user: str) -> str:
        """A valid access token to act as `user` (cached; one request per user at a time)."""
        subject = user.strip().lower()
        cached = self._cache.get(subject)
        if cached is not None and self._clock() < cached.fresh_until:
            return cached.value
        pending = self._pending.get(subject)
        if pending is None:
            pending = asyncio.ensure_future(self._obtain(subject))
            self._pending[subject] = pending
            pending.add_done_callback(lambda done: self._settled(subject, done))
        return (await asyncio.shield(pending)).value

    def forget(self, user: str, token: str) -> None:
        """Drop `token` (the API refused it) so the next `token(user)` fetches a new one."""
        subject = user.strip().lower()
        cached = self._cache.get(subject)
        if cached is not None and cached.value == token:
            del self._cache[subject]

    def _settled(self, subject: str, done: asyncio.Future[_Token]) -> None:
        if self._pending.get(subject) is done:
            del self._pending[subject]
        if not done.cancelled() and done.exception() is None:
            self._cache[subject] = done.result()

    async def _obtain(self, subject: str) -> _Token:
        call = Call("token", subject, self._key.email, self._key.client_id, self._scope)
        return await retrying(self._retry, f"token for {subject}", lambda: self._request(subject, call))

    def _assertion(self, subject: str) -> str:
        now = int(self._wall_clock())
        claims = {
            "iss": self._key.email,
            "sub": subject,
            "scope": self._scope,
            "aud": self._token_uri,
            "iat": now,
            "exp": now + ASSERTION_SECONDS,
        }
        return bytes(jwt.encode(self._key.signer, claims)).decode("ascii")  # type: ignore[no-untyped-call]

    async def _request(self, subject: str, call: Call) -> _Token:
        form = {"grant_type": JWT_BEARER, "assertion": self._assertion(subject)}
        started = self._clock()
        try:
            response = await self._http.post(self._token_uri, data=form, headers={"Accept": "application/json"})
            answer = Answer.of(response)
            if answer.ok:
                return self._read(answer, subject, started)
        except (httpx.HTTPError, json.JSONDecodeError, UnicodeDecodeError, MappingError) as exc:
            raise translate(exc, call) from exc
        raise translate(answer, call)

    def _read(self, answer: Answer, subject: str, started: float) -> _Token:
        body = answer.json()
        value = body.get("access_token") if isinstance(body, dict) else None
        lifetime = body.get("expires_in", 3600) if isinstance(body, dict) else None
        if not isinstance(value, str) or not value or not isinstance(lifetime, int | float) or lifetime <= 0:
            raise Unreadable("the token endpoint answered without an access token")
        margin = min(self._margin, float(lifetime) / 2)
        log.debug("access token for %s obtained (valid %d s)", subject, int(lifetime))
        return _Token(value, started + float(lifetime) - margin)
