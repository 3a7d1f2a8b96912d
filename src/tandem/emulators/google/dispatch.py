"""One Calendar API call, from request to response, independent of the HTTP server.

Both the ASGI app and the batch endpoint (each part is a call of its own) come through
`handle`, which runs Google's pipeline in order:

    route -> authenticate (401) -> API enabled? (403) -> scope (403) -> injected fault
          -> rate limits (403) -> read-only calendar (403 quotaExceeded, writes)
          -> the calendar (404 unless the caller's own) -> the operation

Every `ApiError` becomes Google's JSON error body here, and nowhere else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tandem.emulators.google import errors, listing, writes
from tandem.emulators.google.calendars import Calendar
from tandem.emulators.google.errors import ApiError
from tandem.emulators.google.limits import FaultDecision
from tandem.emulators.google.oauth import AccessToken
from tandem.emulators.google.state import READ_SCOPES, WRITE_SCOPES, GoogleEmulator

_PREFIX = "/calendar/v3"
_ROUTES: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile(r"^/calendars/(?P<cal>[^/]+)/events$"), {"GET": "events.list", "POST": "events.insert"}),
    (
        re.compile(r"^/calendars/(?P<cal>[^/]+)/events/(?P<event>[^/]+)$"),
        {"GET": "events.get", "PUT": "events.update", "PATCH": "events.patch", "DELETE": "events.delete"},
    ),
    (re.compile(r"^/calendars/(?P<cal>[^/]+)/events/(?P<event>[^/]+)/instances$"), {"GET": "events.instances"}),
)
WRITES = frozenset({"events.insert", "events.update", "events.patch", "events.delete"})
QUOTA_UNITS = {"events.patch": 3}
SEND_UPDATES = ("all", "externalOnly", "none")


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str  # percent-decoded
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""


@dataclass(slots=True)
class ApiResponse:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def content(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


def error_response(error: ApiError) -> ApiResponse:
    return ApiResponse(error.status, error.body(), dict(error.headers))


def route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """(endpoint name, path parameters) for a Calendar API path, with or without /calendar/v3."""
    if path.startswith(_PREFIX + "/"):
        path = path[len(_PREFIX) :]
    for pattern, methods in _ROUTES:
        match = pattern.match(path)
        if match is not None:
            endpoint = methods.get(method)
            return (endpoint, match.groupdict()) if endpoint else ("", match.groupdict())
    return None


def _first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _send_updates(query: Mapping[str, list[str]]) -> str:
    value = _first(query, "sendUpdates")
    if value is None:
        return "all" if _first(query, "sendNotifications") == "true" else "none"
    if value not in SEND_UPDATES:
        raise errors.invalid(f"Invalid value for: sendUpdates: {value}", location="sendUpdates")
    return value


def _json_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise errors.parse_error() from None
    if not isinstance(body, dict):
        raise errors.parse_error()
    return body


class ApiHandler:
    def __init__(self, emulator: GoogleEmulator) -> None:
        self.emulator = emulator

    def handle(self, request: ApiRequest) -> ApiResponse:
        method = request.headers.get("x-http-method-override", request.method).upper()
        found = route(method, request.path)
        if found is None:
            return error_response(errors.not_found())
        endpoint, params = found
        if not endpoint:
            return ApiResponse(405, ApiError(405, "httpMethodNotAllowed", "Method Not Allowed").body())
        try:
            token = self.emulator.authenticate(request.headers.get("authorization"))
        except ApiError as error:
            self.emulator.count_request("-", endpoint)
            return error_response(error)
        self.emulator.count_request(token.subject, endpoint)
        with self.emulator.lock:
            decision = FaultDecision()
            try:
                decision = self._admit(token, endpoint, request)
                if decision.error is not None and not decision.after_write:
                    response = error_response(decision.error)
                else:
                    response = self._perform(token, endpoint, params, request)
            except ApiError as error:
                response = error_response(error)
            if decision.after_write and decision.error is not None:
                response = error_response(decision.error)
            response.delay = decision.delay
            return response

    def _admit(self, token: AccessToken, endpoint: str, request: ApiRequest) -> FaultDecision:
        """Everything Google checks before it looks at the calendar."""
        emulator = self.emulator
        project_number = emulator.api_disabled_for(token)
        if project_number is not None:
            raise errors.access_not_configured(project_number)
        is_write = endpoint in WRITES
        if not token.scopes & (WRITE_SCOPES if is_write else READ_SCOPES):
            raise errors.insufficient_scopes()
        decision = emulator.faults.decide(token.subject, is_write)
        if decision.error is not None and not decision.after_write:
            return decision
        now = emulator.now()
        quota_user = _first(request.query, "quotaUser") or request.headers.get("x-goog-quota-user") or token.account
        refusal = emulator.quota.charge(quota_user.lower(), token.project_id, QUOTA_UNITS.get(endpoint, 1), now)
        if refusal is not None:
            raise refusal
        if is_write and emulator.abuse.blocked(token.subject, now):
            raise errors.quota_exceeded()
        return decision

    def _perform(self, token: AccessToken, endpoint: str, params: dict[str, str], request: ApiRequest) -> ApiResponse:
        self.emulator.world.now = self.emulator.now()
        calendar = self.emulator.calendar_for(token, params["cal"])
        if endpoint in WRITES:
            return self._write(token, endpoint, calendar, params.get("event", ""), request)
        return self._read(endpoint, calendar, params.get("event", ""), request)

    def _read(self, endpoint: str, calendar: Calendar, event_id: str, request: ApiRequest) -> ApiResponse:
        now = self.emulator.world.now
        if endpoint == "events.list":
            return ApiResponse(
                200, listing.list_events(calendar, request.query, now=now, sync_ttl=self.emulator.sync_token_ttl)
            )
        if endpoint == "events.instances":
            target = calendar.events.get(event_id)
            if target is None:
                raise errors.not_found()
            return ApiResponse(200, listing.list_instances(calendar, target, request.query))
        headers = request.headers
        event = writes.get_event(
            calendar, event_id, if_match=headers.get("if-match"), if_none_match=headers.get("if-none-match")
        )
        return ApiResponse(304) if event is None else _event_response(event)

    def _write(
        self, token: AccessToken, endpoint: str, calendar: Calendar, event_id: str, request: ApiRequest
    ) -> ApiResponse:
        world = self.emulator.world
        mails_before = len(world.notifications)
        send_updates = _send_updates(request.query)
        if_match = request.headers.get("if-match")
        response: ApiResponse
        if endpoint == "events.delete":
            writes.delete_event(world, calendar, event_id, if_match=if_match, send_updates=send_updates)
            response = ApiResponse(204)
        elif endpoint == "events.insert":
            body = _json_body(request.body)
            event = writes.insert_event(
                world, calendar, body, send_updates=send_updates, as_service_account=not token.delegated
            )
            self.emulator.abuse.count(token.subject, "created", 1, world.now)
            response = _event_response(event)
        else:
            event = writes.write_event(
                world,
                calendar,
                event_id,
                _json_body(request.body),
                patch=endpoint == "events.patch",
                if_match=if_match,
                send_updates=send_updates,
                as_service_account=not token.delegated,
            )
            response = _event_response(event)
        self._account_abuse(token, mails_before)
        return response

    def _account_abuse(self, token: AccessToken, mails_before: int) -> None:
        world = self.emulator.world
        external = sum(
            1
            for mail in world.notifications[mails_before:]
            if mail.kind == "invitation" and not world.is_internal(mail.recipient)
        )
        self.emulator.abuse.count(token.subject, "external", external, world.now)


def _event_response(event: dict[str, Any]) -> ApiResponse:
    return ApiResponse(200, event, {"ETag": str(event["etag"])})
