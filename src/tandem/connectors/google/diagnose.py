"""The admin's **Test** (CAL-2): do these credentials work for a real user of the domain?

Three checks, in the order the admin fixes things; a failed check skips the ones after it
(their answer would only repeat the same fault):

    key        the file opens: right password, a PKCS#12 or JSON service-account key, RSA
    token      a token is obtained with domain-wide delegation, acting as the user
    calendar   the user's primary calendar is readable (the API is enabled for the project)

Each failure reads as its own message (wrong password, corrupt or wrong-type file,
delegation not granted, API disabled, user not in the domain). Messages come from
`credentials` and `errors.translate`, which never hold a secret.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import httpx

from tandem.connectors.google.adapter import default_http_client
from tandem.connectors.google.client import ApiCall, GoogleApi
from tandem.connectors.google.credentials import ServiceAccountKey, load_key
from tandem.connectors.google.errors import CALENDAR_SCOPE
from tandem.connectors.google.retry import RetryPolicy
from tandem.connectors.google.settings import GoogleSettings
from tandem.connectors.google.tokens import TokenSource
from tandem.domain.errors import TandemError


class CheckStatus(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    """`key`, `token` or `calendar`."""
    status: CheckStatus
    message: str

    @property
    def ok(self) -> bool:
        return self.status is CheckStatus.PASSED


CHECKS = ("key", "token", "calendar")
_QUICK = RetryPolicy(retries=1, base_delay=0.5, max_delay=2.0)


def _skipped(after: str) -> list[Check]:
    names = CHECKS[CHECKS.index(after) + 1 :]
    return [Check(n, CheckStatus.SKIPPED, f"not tried: the {after} check failed") for n in names]


async def test_connection(
    settings: GoogleSettings,
    user_email: str,
    *,
    http: httpx.AsyncClient | None = None,  # noqa: PT028 - the admin's Test action, not a pytest test
    retry: RetryPolicy = _QUICK,  # noqa: PT028
) -> list[Check]:
    """Run the checks for `user_email`; never raises for a failed check (see each `Check`)."""
    try:
        key = load_key(
            settings.key_file, password=settings.key_password, service_account_email=settings.service_account_email
        )
    except TandemError as error:
        return [Check("key", CheckStatus.FAILED, str(error)), *_skipped("key")]
    kind = "P12 file" if key.source == "p12" else "JSON key"
    checks = [Check("key", CheckStatus.PASSED, f"the {kind} of {key.email} opened (RSA, {key.key_bits} bits)")]
    client = http or default_http_client(max_connections=4)
    try:
        return checks + await _remote_checks(settings, key, user_email, client, retry)
    finally:
        if http is None:
            await client.aclose()


test_connection.__test__ = False  # type: ignore[attr-defined]  # pytest must not collect it where imported


async def _remote_checks(
    settings: GoogleSettings, key: ServiceAccountKey, user: str, http: httpx.AsyncClient, retry: RetryPolicy
) -> list[Check]:
    endpoints = settings.endpoints
    tokens = TokenSource(key, http, token_uri=endpoints.token_uri, retry=retry)
    try:
        await tokens.token(user)
    except TandemError as error:
        return [Check("token", CheckStatus.FAILED, str(error)), *_skipped("token")]
    checks = [
        Check(
            "token",
            CheckStatus.PASSED,
            f"a token acting as {user} was obtained by domain-wide delegation ({CALENDAR_SCOPE})",
        )
    ]
    api = GoogleApi(http, tokens, endpoints, retry)
    probe = ApiCall("events.list", "GET", ApiCall.events_path(), (("maxResults", "1"), ("singleEvents", "false")))
    try:
        await api.send(user, probe)
    except TandemError as error:
        return [*checks, Check("calendar", CheckStatus.FAILED, str(error))]
    return [*checks, Check("calendar", CheckStatus.PASSED, f"the primary calendar of {user} is readable")]
