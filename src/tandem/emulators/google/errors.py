"""Google's error answers, in the exact JSON shape the Calendar API and the OAuth endpoint use.

Clients (google-api-python-client, Tandem's connector) branch on the HTTP status *and* on
`error.errors[0].reason`, so both must match what Google sends; the messages are Google's own
where the reference shows them.

    Exception
    ├── ApiError     an answer of the Calendar API: {"error": {"errors": [...], "code", "message"}}
    └── OAuthError   an answer of the token endpoint: {"error": "...", "error_description": "..."}
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """One failed Calendar API call; `body()` is what goes on the wire."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        *,
        domain: str = "global",
        location: str | None = None,
        location_type: str | None = None,
        api_status: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.location = location
        self.location_type = location_type
        self.api_status = api_status
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"domain": self.domain, "reason": self.reason, "message": self.message}
        if self.location is not None:
            item["locationType"] = self.location_type or "parameter"
            item["location"] = self.location
        error: dict[str, Any] = {"errors": [item], "code": self.status, "message": self.message}
        if self.api_status is not None:
            error["status"] = self.api_status
        return {"error": error}


class OAuthError(Exception):
    """A refusal of the token endpoint (RFC 6749 §5.2 shape, as Google sends it)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


# --- 400 -------------------------------------------------------------------------------


def bad_request(message: str = "Bad Request", *, location: str | None = None) -> ApiError:
    return ApiError(400, "badRequest", message, location=location)


def invalid(message: str, *, location: str | None = None) -> ApiError:
    return ApiError(400, "invalid", message, location=location)


def required(message: str, *, location: str | None = None) -> ApiError:
    return ApiError(400, "required", message, location=location)


def time_range_empty(location: str) -> ApiError:
    return ApiError(400, "timeRangeEmpty", "The specified time range is empty.", domain="calendar", location=location)


def parse_error() -> ApiError:
    return ApiError(400, "parseError", "Parse Error")


def event_type_restriction(event_type: str) -> ApiError:
    """A write that changes what the event's type keeps fixed (a `fromGmail` entry's title, a
    birthday's description...). GOOGLE_NOTES names the fields but not the answer; this is the
    answer users of the API report from Google for such writes (400, domain `calendar`,
    reason `eventTypeRestriction`, this message)."""
    return ApiError(
        400,
        "eventTypeRestriction",
        f"Attempt made to modify '{event_type}' event in a way that is not valid for this event type.",
        domain="calendar",
    )


# --- 401 / 403 auth ------------------------------------------------------------------


def login_required() -> ApiError:
    return ApiError(
        401,
        "required",
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential.",
        location="Authorization",
        location_type="header",
        api_status="UNAUTHENTICATED",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def invalid_credentials() -> ApiError:
    return ApiError(
        401,
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential.",
        location="Authorization",
        location_type="header",
        api_status="UNAUTHENTICATED",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def insufficient_scopes() -> ApiError:
    return ApiError(
        403,
        "insufficientPermissions",
        "Request had insufficient authentication scopes.",
        api_status="PERMISSION_DENIED",
    )


def access_not_configured(project_number: str) -> ApiError:
    return ApiError(
        403,
        "accessNotConfigured",
        f"Google Calendar API has not been used in project {project_number} before or it is disabled. "
        "Enable it by visiting https://console.developers.google.com/apis/api/calendar-json.googleapis.com"
        f"/overview?project={project_number} then retry. If you enabled this API recently, wait a few "
        "minutes for the action to propagate to our systems and retry.",
        domain="usageLimits",
        api_status="PERMISSION_DENIED",
    )


def forbidden_for_non_organizer() -> ApiError:
    return ApiError(
        403,
        "forbiddenForNonOrganizer",
        "Shared properties can only be changed by the organizer of the event.",
        domain="calendar",
    )


def forbidden_for_service_accounts() -> ApiError:
    return ApiError(
        403,
        "forbiddenForServiceAccounts",
        "Service accounts cannot invite attendees without Domain-Wide Delegation of Authority.",
        domain="calendar",
    )


# --- quota ---------------------------------------------------------------------------


def rate_limited(reason: str = "rateLimitExceeded", status: int = 403) -> ApiError:
    message = "User Rate Limit Exceeded" if reason == "userRateLimitExceeded" else "Rate Limit Exceeded"
    return ApiError(status, reason, message, domain="usageLimits")


def quota_exceeded() -> ApiError:
    return ApiError(403, "quotaExceeded", "Calendar usage limits exceeded.", domain="usageLimits")


# --- resources -----------------------------------------------------------------------


def not_found() -> ApiError:
    return ApiError(404, "notFound", "Not Found")


def duplicate() -> ApiError:
    return ApiError(409, "duplicate", "The requested identifier already exists.")


def deleted() -> ApiError:
    return ApiError(410, "deleted", "Resource has been deleted")


def full_sync_required() -> ApiError:
    return ApiError(
        410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.", domain="calendar"
    )


def condition_not_met() -> ApiError:
    return ApiError(412, "conditionNotMet", "Precondition Failed", location="If-Match", location_type="header")


# --- server side ----------------------------------------------------------------------


def backend_error() -> ApiError:
    return ApiError(500, "backendError", "Backend Error")


def service_unavailable() -> ApiError:
    return ApiError(503, "backendError", "The service is currently unavailable.")
