"""The one place where Google's answers and local failures become Tandem's errors.

Everything the connector meets on the way to and from Google ends up in `translate`:

    what happened                                          raised as (tandem.domain.errors)
    transport failure, timeout, broken connection          Unavailable
    token endpoint  unauthorized_client                    DelegationDenied  (grant it in the Admin console)
                    invalid_grant "Invalid email or User ID"  AuthFailed     (the user is not in the domain)
                    invalid_grant, signature / account     AuthFailed        (the key was refused)
                    invalid_grant, iat / exp               AuthFailed        (the server clock is off)
                    429 / 5xx                              RateLimited / Unavailable
                    anything else                          AuthFailed
    Calendar API    400                                    InvalidRequest
                    401                                    AccessTokenRejected (an AuthFailed: refresh once)
                    403 rateLimitExceeded, userRateLimitExceeded   RateLimited (back off)
                    403 quotaExceeded, dailyLimitExceeded  QuotaExceeded     (pause the user)
                    403 accessNotConfigured                ConfigurationError (API disabled)
                    403 anything else                      Forbidden
                    404 NotFound · 409 AlreadyExists · 412 PreconditionFailed
                    410 on events.list, or fullSyncRequired  FullSyncRequired
                    410 otherwise                          Gone
                    429                                    RateLimited
                    5xx                                    Unavailable
                    other 4xx                              InvalidRequest
    a body we cannot read (bad JSON, Unreadable)       RemoteDataInvalid
    an event we cannot express for Google (Unwritable) InvalidRequest

Messages name the operation and the user, and quote Google's own reason and message; they
never carry a token, an assertion or key material (Google's messages hold none either).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tandem.domain.errors import (
    AlreadyExists,
    AuthFailed,
    ConfigurationError,
    DelegationDenied,
    Forbidden,
    FullSyncRequired,
    Gone,
    InvalidRequest,
    NotFound,
    PreconditionFailed,
    QuotaExceeded,
    RateLimited,
    RemoteDataInvalid,
    TandemError,
    Unavailable,
)

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
ADMIN_CONSOLE_HINT = (
    "grant it in the Google Admin console (Security > Access and data control > API controls > Domain-wide delegation)"
)
_BY_STATUS: dict[int, type[TandemError]] = {
    400: InvalidRequest,
    404: NotFound,
    409: AlreadyExists,
    412: PreconditionFailed,
}
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})


class AccessTokenRejected(AuthFailed):
    """401 from the Calendar API: the access token expired or was revoked. The caller drops
    the cached token and tries once more with a fresh one before giving up."""


class MappingError(Exception):
    """An event that cannot cross the border; `translate` turns it into a Tandem error."""


class Unreadable(MappingError):
    """Google sent something we cannot read: an event, a list, a batch, a token answer."""


class Unwritable(MappingError):
    """A `CalendarEvent` that cannot be expressed as a Google event (naive time, unknown zone...)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer, from a plain request or from a part of a batch."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    """Lower-case names."""
    content: bytes = b""

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        return cls(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON (raises json.JSONDecodeError / UnicodeDecodeError; see `translate`)."""
        return json.loads(self.content) if self.content.strip() else None


@dataclass(frozen=True, slots=True)
class Call:
    """What we were doing when it failed: it names the operation and the user in messages."""

    operation: str
    """`token` or the Calendar API method (`events.list`, `events.insert`, ... `batch`)."""
    user: str
    service_account: str = ""
    client_id: str | None = None
    scope: str = CALENDAR_SCOPE


Failure = Answer | httpx.HTTPError | json.JSONDecodeError | UnicodeDecodeError | MappingError


def translate(failure: Failure, call: Call) -> TandemError:
    """The Tandem error for a failed answer or a local failure (see the table above)."""
    if isinstance(failure, httpx.HTTPError):
        return Unavailable(f"{_where(call)}: Google could not be reached ({type(failure).__name__}: {failure})")
    if isinstance(failure, Unwritable):
        return InvalidRequest(f"{_where(call)}: {failure}")
    if isinstance(failure, json.JSONDecodeError | UnicodeDecodeError | Unreadable):
        return RemoteDataInvalid(f"{_where(call)}: Google sent something unreadable ({failure})")
    if isinstance(failure, MappingError):  # pragma: no cover - the two kinds above are all there is
        return InvalidRequest(f"{_where(call)}: {failure}")
    if call.operation == "token":
        return _token_error(failure, call)
    return _api_error(failure, call)


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date), if any."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw.strip()))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def _where(call: Call) -> str:
    return f"Google Calendar {call.operation} for {call.user}"


def _api_details(answer: Answer) -> tuple[str, str]:
    """Google's (reason, message) from `{"error": {"errors": [{"reason"...}], "message"}}`."""
    try:
        body = answer.json()
    except (ValueError, UnicodeDecodeError):
        return "", answer.content[:200].decode("utf-8", "replace").strip()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    items = error.get("errors")
    first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
    reason = str(first.get("reason") or error.get("status") or "")
    message = str(error.get("message") or first.get("message") or "")
    return reason, message


COSTS = {"events.patch": 3}
"""Quota units of a call where it is not one (GOOGLE_NOTES.md, "Costs per call")."""


def observed(answer: Answer, operation: str) -> tuple[int, str | None]:
    """(quota units charged, error kind) of an answer, for a `CallObserver`: a call refused by a
    rate or quota limit is not charged; an error's kind is its status and Google's reason."""
    if answer.ok:
        return COSTS.get(operation, 1), None
    reason, _message = _api_details(answer)
    limited = answer.status == 429 or (answer.status == 403 and reason in RATE_LIMIT_REASONS | QUOTA_REASONS)
    return (0 if limited else COSTS.get(operation, 1)), f"{answer.status} {reason}".strip()


def _api_error(answer: Answer, call: Call) -> TandemError:
    reason, message = _api_details(answer)
    status = answer.status
    text = f"{_where(call)}: {status} {reason or 'error'}: {message}".rstrip(": ")
    wait = retry_after(answer.headers)
    if status == 401:
        return AccessTokenRejected(f"{text} (the access token was refused)")
    if status == 403:
        return _forbidden(reason, text, wait, call)
    if status == 429:
        return RateLimited(text, wait)
    if status >= 500:
        return Unavailable(text, wait)
    if status == 410:
        full = reason == "fullSyncRequired" or call.operation == "events.list"
        return FullSyncRequired(text) if full else Gone(text)
    return _BY_STATUS.get(status, InvalidRequest)(text)


def _forbidden(reason: str, text: str, wait: float | None, call: Call) -> TandemError:
    if reason in RATE_LIMIT_REASONS:
        return RateLimited(text, wait)
    if reason in QUOTA_REASONS:
        return QuotaExceeded(f"{text} (Google keeps the calendar read-only for a while)")
    if reason == "accessNotConfigured":
        return ConfigurationError(
            f"the Google Calendar API is disabled for the project of service account {call.service_account}: "
            f"enable it in the Google Cloud console (APIs & Services > Library > Google Calendar API). {text}"
        )
    return Forbidden(text)


def _token_details(answer: Answer) -> tuple[str, str]:
    """The token endpoint's (error, error_description) (RFC 6749 §5.2)."""
    try:
        body = answer.json()
    except (ValueError, UnicodeDecodeError):
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    if isinstance(error, dict):  # some Google endpoints answer in the API's shape
        return str(error.get("status") or ""), str(error.get("message") or "")
    return str(error or ""), str(body.get("error_description") or "")


def _token_error(answer: Answer, call: Call) -> TandemError:
    error, description = _token_details(answer)
    said = f"Google said: {error}: {description}".rstrip(": ")
    account = call.service_account or "the service account"
    if answer.status == 429:
        return RateLimited(
            f"{_where(call)}: the token endpoint asks us to slow down ({said})", retry_after(answer.headers)
        )
    if answer.status >= 500:
        return Unavailable(
            f"{_where(call)}: the token endpoint failed ({answer.status}; {said})", retry_after(answer.headers)
        )
    if error == "unauthorized_client":
        client = call.client_id or f"of {account}"
        return DelegationDenied(
            f"domain-wide delegation is not granted for scope {call.scope} to client id {client}: "
            f"{ADMIN_CONSOLE_HINT} ({said})"
        )
    lowered = description.lower()
    if error == "invalid_grant" and ("email" in lowered or "user id" in lowered):
        return AuthFailed(
            f"{call.user} is not a user of the domain: Google has no account to act as ({said}); "
            "check the user's email in the PSA"
        )
    if error == "invalid_grant" and ("signature" in lowered or "account not found" in lowered):
        return AuthFailed(
            f"Google refused the key of service account {account} ({said}): the key was deleted, "
            "belongs to another account, or the account email is wrong; create a new key and upload it"
        )
    if error == "invalid_grant" and ("iat" in lowered or "exp" in lowered or "timeframe" in lowered):
        return AuthFailed(f"Google refused the token request because of the time ({said}): check the server clock")
    return AuthFailed(f"{_where(call)}: the token endpoint refused the service account {account} ({said})")
