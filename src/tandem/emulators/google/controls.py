"""HTTP controls under `/emulator/`, for tests and benchmarks in other processes.

No authentication, but only loopback clients are served. Each endpoint calls the same
`GoogleEmulator` method a test in the same process would call.

    POST   /emulator/reset                         forget events, tokens, mail, counters, faults
    GET    /emulator/users     POST {"email", "timeZone"?}
    GET    /emulator/calendars/{email}             the user's live events, as the API shows them
                                                   (to look at a demo calendar without a token)
    POST   /emulator/calendars/{email}/events      an event as Google itself makes it (a fromGmail
                                                   entry, a contact's birthday): `seed_event`
    GET    /emulator/clock     POST {"freeze": true, "at"?} | {"unfreeze": true} | {"advance": s} | {"offset": s}
    POST   /emulator/tokens/expire                 every access token stops working
    POST   /emulator/sync-tokens/invalidate        {"user"?}: 410 fullSyncRequired from now on
    GET    /emulator/notifications   DELETE        the mail log
    GET    /emulator/counters        DELETE        requests per user and endpoint
    POST   /emulator/faults {FaultRule fields}     DELETE  injected failures
    POST   /emulator/quota {"userPerMinute"?, "projectPerMinute"?, "userReason"?}
    POST   /emulator/quota-exceeded {"user", "exceeded"}
    POST   /emulator/delegation {"clientId", "scopes", "grant"}
    POST   /emulator/api-enabled {"project", "enabled"}
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tandem.emulators.google.errors import ApiError
from tandem.emulators.google.limits import FaultRule
from tandem.emulators.google.rendering import render
from tandem.emulators.google.state import GoogleEmulator

LOOPBACK = ("127.0.0.1", "::1", "localhost", "testclient")
Handler = Callable[[Request], Awaitable[Response]]


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _loopback_only(handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        if request.client is None or request.client.host not in LOOPBACK:
            return JSONResponse({"error": "controls answer loopback clients only"}, status_code=403)
        try:
            return await handler(request)
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": f"bad control request: {exc}"}, status_code=400)

    return guarded


def _fault_rule(data: dict[str, Any]) -> FaultRule:
    names = {
        "error500": "error_500",
        "error503": "error_503",
        "error429": "error_429",
        "slow": "slow",
        "delaySeconds": "delay_seconds",
        "user": "user",
        "writesOnly": "writes_only",
        "applyThenFail": "apply_then_fail",
        "limit": "limit",
        "seed": "seed",
    }
    unknown = set(data) - set(names)
    if unknown:
        raise ValueError(f"unknown fault fields {sorted(unknown)}")
    return FaultRule(**{names[k]: v for k, v in data.items()})


class Controls:
    """The control endpoints; each method is one route."""

    def __init__(self, emulator: GoogleEmulator) -> None:
        self.emulator = emulator

    def routes(self) -> list[Route]:
        table: list[tuple[str, Handler, list[str]]] = [
            ("/reset", self.reset, ["POST"]),
            ("/users", self.users, ["GET", "POST"]),
            ("/clock", self.clock, ["GET", "POST"]),
            ("/tokens/expire", self.expire_tokens, ["POST"]),
            ("/sync-tokens/invalidate", self.invalidate, ["POST"]),
            ("/notifications", self.notifications, ["GET", "DELETE"]),
            ("/counters", self.counters, ["GET", "DELETE"]),
            ("/faults", self.faults, ["POST", "DELETE"]),
            ("/quota", self.quota, ["POST"]),
            ("/quota-exceeded", self.quota_exceeded, ["POST"]),
            ("/delegation", self.delegation, ["POST"]),
            ("/api-enabled", self.api_enabled, ["POST"]),
            ("/calendars/{email}", self.calendar_view, ["GET"]),
            ("/calendars/{email}/events", self.seed_event, ["POST"]),
        ]
        return [Route(path, _loopback_only(handler), methods=methods) for path, handler, methods in table]

    async def calendar_view(self, request: Request) -> Response:
        email = request.path_params["email"].lower()
        emulator = self.emulator
        with emulator.lock:
            calendar = emulator.world.calendars.get(email)
            if calendar is None:
                return JSONResponse({"error": f"{email} has no calendar here"}, status_code=404)
            items = [render(r, calendar) for r in calendar.events.values() if not r.cancelled]
        items.sort(key=lambda e: str(e.get("start", {}).get("dateTime") or e.get("start", {}).get("date") or ""))
        return JSONResponse({"calendar": email, "items": items})

    async def seed_event(self, request: Request) -> Response:
        body = await _json(request)
        try:
            event = self.emulator.seed_event(request.path_params["email"], body)
        except ApiError as error:
            return JSONResponse(error.body(), status_code=error.status)
        except KeyError as error:
            return JSONResponse({"error": str(error.args[0])}, status_code=404)
        return JSONResponse(event)

    @staticmethod
    def _ok(**extra: Any) -> JSONResponse:
        return JSONResponse({"ok": True, **extra})

    async def reset(self, request: Request) -> Response:
        self.emulator.reset()
        return self._ok()

    async def users(self, request: Request) -> Response:
        if request.method == "POST":
            data = await _json(request)
            self.emulator.add_user(str(data["email"]), str(data.get("timeZone", "UTC")))
        return JSONResponse({"users": list(self.emulator.users)})

    async def clock(self, request: Request) -> Response:
        clock = self.emulator.clock
        if request.method == "POST":
            data = await _json(request)
            if data.get("freeze"):
                clock.freeze(datetime.fromisoformat(data["at"]) if data.get("at") else None)
            if data.get("unfreeze"):
                clock.unfreeze()
            if "offset" in data:
                clock.set_offset(float(data["offset"]))
            if "advance" in data:
                clock.advance(float(data["advance"]))
        return JSONResponse({"now": clock.now().isoformat(), "frozen": clock.frozen})

    async def expire_tokens(self, request: Request) -> Response:
        self.emulator.expire_access_tokens()
        return self._ok()

    async def invalidate(self, request: Request) -> Response:
        self.emulator.invalidate_sync_tokens((await _json(request)).get("user"))
        return self._ok()

    async def notifications(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.emulator.clear_notifications()
        return JSONResponse({"notifications": [n.as_json() for n in self.emulator.notifications()]})

    async def counters(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.emulator.reset_counters()
        return JSONResponse({"counts": self.emulator.request_counts()})

    async def faults(self, request: Request) -> Response:
        self.emulator.set_faults(None if request.method == "DELETE" else _fault_rule(await _json(request)))
        return self._ok()

    async def quota(self, request: Request) -> Response:
        data = await _json(request)
        settings = self.emulator.configure_quota(
            user_per_minute=data.get("userPerMinute"),
            project_per_minute=data.get("projectPerMinute"),
            user_reason=data.get("userReason"),
        )
        return self._ok(userPerMinute=settings.user_per_minute, projectPerMinute=settings.project_per_minute)

    async def quota_exceeded(self, request: Request) -> Response:
        data = await _json(request)
        self.emulator.set_quota_exceeded(str(data["user"]), bool(data.get("exceeded", True)))
        return self._ok()

    async def delegation(self, request: Request) -> Response:
        data = await _json(request)
        scopes = data.get("scopes")
        if data.get("grant", True):
            self.emulator.grant_delegation(str(data["clientId"]), list(scopes or []))
        else:
            self.emulator.revoke_delegation(str(data["clientId"]), None if scopes is None else list(scopes))
        return self._ok()

    async def api_enabled(self, request: Request) -> Response:
        data = await _json(request)
        self.emulator.set_api_enabled(str(data["project"]), bool(data["enabled"]))
        return self._ok()
