"""`GoogleEmulator`: the whole emulated Google (domain, accounts, tokens, calendars, limits)
and the controls tests and benchmarks use.

All state is in memory behind one re-entrant lock; every public method takes it, so the
HTTP side (one event loop thread) and a test thread can both call in. The HTTP endpoints
under `/emulator/` call these same methods.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tandem.emulators.google import errors, writes
from tandem.emulators.google.accounts import DEFAULT_P12_PASSWORD, ServiceAccount, create_service_account
from tandem.emulators.google.calendars import Calendar
from tandem.emulators.google.clock import EmulatorClock
from tandem.emulators.google.errors import OAuthError
from tandem.emulators.google.limits import AbuseGuard, AbuseSettings, FaultRule, Faults, Quota, QuotaSettings
from tandem.emulators.google.oauth import (
    ACCESS_TOKEN_SECONDS,
    GOOGLE_TOKEN_URIS,
    NOT_DELEGATED,
    AccessToken,
    new_access_token,
    verify_grant,
)
from tandem.emulators.google.sharing import Notification
from tandem.emulators.google.world import World

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
READ_SCOPES = frozenset(
    {
        CALENDAR_SCOPE,
        f"{CALENDAR_SCOPE}.events",
        f"{CALENDAR_SCOPE}.readonly",
        f"{CALENDAR_SCOPE}.events.readonly",
    }
)
WRITE_SCOPES = frozenset({CALENDAR_SCOPE, f"{CALENDAR_SCOPE}.events"})


class GoogleEmulator:
    """An emulated Google Workspace domain with the Calendar API v3."""

    def __init__(self, domain: str = "example.com", users: list[str] | tuple[str, ...] = ()) -> None:
        self.lock = threading.RLock()
        self.clock = EmulatorClock()
        self.domain = domain.lower()
        self.base_url: str | None = None
        self.world = World(self.domain, self.clock.now())
        self.quota = Quota()
        self.abuse = AbuseGuard()
        self.faults = Faults()
        self.sync_token_ttl: float | None = None
        self.assertion_skew = timedelta(minutes=5)
        self._accounts: dict[str, ServiceAccount] = {}
        self._delegation: dict[str, set[str]] = {}
        self._disabled_projects: set[str] = set()
        self._tokens: dict[str, AccessToken] = {}
        self._counters: Counter[tuple[str, str]] = Counter()
        for user in users:
            self.add_user(user)

    # --- addresses -------------------------------------------------------------------

    @property
    def token_uri(self) -> str:
        return f"{self._base()}/token"

    @property
    def api_root(self) -> str:
        return f"{self._base()}/calendar/v3"

    def _base(self) -> str:
        if self.base_url is None:
            raise RuntimeError("the emulator is not being served yet: start EmulatorServer first")
        return self.base_url

    def now(self) -> datetime:
        return self.clock.now()

    # --- users and accounts -----------------------------------------------------------

    def add_user(self, email: str, time_zone: str = "UTC") -> None:
        """A user of the domain, with an empty primary calendar."""
        with self.lock:
            self.world.now = self.now()
            self.world.add_user(email, time_zone)

    @property
    def users(self) -> tuple[str, ...]:
        with self.lock:
            return tuple(sorted(self.world.users))

    def register_service_account(
        self,
        name: str = "tandem-sync",
        project_id: str = "tandem-emulator",
        *,
        key_dir: Path | None = None,
        password: str = DEFAULT_P12_PASSWORD,
        delegate: bool = True,
    ) -> ServiceAccount:
        """A new service account (delegated for the calendar scope unless `delegate=False`);
        with `key_dir`, its `key.p12` and `key.json` are written there."""
        account = create_service_account(name, project_id, self._project_number(project_id), self.now())
        with self.lock:
            self._accounts[account.email] = account
            self._delegation.setdefault(account.client_id, set())
        if delegate:
            self.grant_delegation(account.client_id, [CALENDAR_SCOPE])
        if key_dir is not None:
            self.write_key_files(account, key_dir, password=password)
        return account

    def write_key_files(
        self, account: ServiceAccount, directory: Path, *, password: str = DEFAULT_P12_PASSWORD
    ) -> tuple[Path, Path]:
        return account.write_key_files(directory, token_uri=self.token_uri, base_url=self._base(), password=password)

    def service_account(self, email: str) -> ServiceAccount | None:
        with self.lock:
            return self._accounts.get(email.lower())

    @staticmethod
    def _project_number(project_id: str) -> str:
        return str(100000000000 + sum(ord(c) * 7919**i for i, c in enumerate(project_id)) % 899999999999)

    def grant_delegation(self, client_id: str, scopes: list[str] | tuple[str, ...]) -> None:
        """The Workspace admin's domain-wide delegation entry for this client id."""
        with self.lock:
            self._delegation.setdefault(client_id, set()).update(scopes)

    def deny_status_events(self, email: str) -> None:
        """This account may not have out-of-office, focus time or working location entries
        (until `reset`): inserting one is 400 on `eventType`, as Google answers."""
        with self.lock:
            self.world.without_status_events.add(email.strip().lower())

    def revoke_delegation(self, client_id: str, scopes: list[str] | tuple[str, ...] | None = None) -> None:
        with self.lock:
            granted = self._delegation.setdefault(client_id, set())
            if scopes is None:
                granted.clear()
            else:
                granted.difference_update(scopes)

    def set_api_enabled(self, project_id: str, enabled: bool) -> None:
        """Switch the Calendar API of a project (or of the project of an account email) off and on."""
        with self.lock:
            account = self._accounts.get(project_id.lower())
            project = account.project_id if account else project_id
            (self._disabled_projects.discard if enabled else self._disabled_projects.add)(project)

    def api_disabled_for(self, token: AccessToken) -> str | None:
        """The project number to name in the 403, if the token's project has the API off."""
        if token.project_id not in self._disabled_projects:
            return None
        return self._project_number(token.project_id)

    # --- OAuth ------------------------------------------------------------------------

    def exchange_token(self, form: dict[str, str]) -> dict[str, Any]:
        """The token endpoint: a JWT-bearer grant in, a bearer token out (or `OAuthError`)."""
        with self.lock:
            now = self.now()
            audiences = (self.token_uri, *GOOGLE_TOKEN_URIS) if self.base_url else GOOGLE_TOKEN_URIS
            grant = verify_grant(
                form, account_by_email=self._accounts.get, audiences=audiences, now=now, skew=self.assertion_skew
            )
            if grant.subject is not None:
                if not grant.scopes <= self._delegation.get(grant.account.client_id, set()):
                    raise OAuthError("unauthorized_client", NOT_DELEGATED, status=401)
                if not self.world.is_user(grant.subject):
                    raise OAuthError("invalid_grant", "Invalid email or User ID")
            token = new_access_token(grant, now)
            self._tokens[token.value] = token
            self._counters[(token.subject, "token")] += 1
            return {"access_token": token.value, "expires_in": ACCESS_TOKEN_SECONDS, "token_type": "Bearer"}

    def authenticate(self, authorization: str | None) -> AccessToken:
        """The token behind an `Authorization: Bearer` header, or Google's 401."""
        if not authorization:
            raise errors.login_required()
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not value:
            raise errors.invalid_credentials()
        with self.lock:
            token = self._tokens.get(value.strip())
            if token is None or token.expires_at <= self.now():
                raise errors.invalid_credentials()
            return token

    def calendar_for(self, token: AccessToken, calendar_id: str) -> Calendar:
        """`primary` or the caller's own address; any other calendar is 404 for this caller."""
        wanted = token.subject if calendar_id == "primary" else calendar_id.lower()
        if wanted != token.subject:
            raise errors.not_found()
        if token.delegated:
            calendar = self.world.calendars.get(wanted)
            if calendar is None:
                raise errors.not_found()
            return calendar
        return self.world.ensure_calendar(wanted)

    # --- controls ---------------------------------------------------------------------

    def seed_event(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        """Put an event in the user's calendar as Google itself does, and return it as the API
        shows it: a `fromGmail` entry (which no API client may insert), or a birthday tied
        to a contact (`birthdayProperties: {"contact": ..., "type": "birthday"}`). Google's
        checks for the body apply (`errors.ApiError` when it is refused)."""
        with self.lock:
            self.world.now = self.now()
            calendar = self.world.calendars.get(user.lower())
            if calendar is None:
                raise KeyError(f"{user} has no calendar here")
            return writes.seed_event(self.world, calendar, body)

    def issued_tokens(self) -> tuple[str, ...]:
        """Every access token handed out (live or expired), for tests that look for them."""
        with self.lock:
            return tuple(self._tokens)

    def expire_access_tokens(self) -> None:
        """Every issued access token stops working at once (clients must fetch new ones)."""
        with self.lock:
            self._tokens.clear()

    def invalidate_sync_tokens(self, user: str | None = None) -> None:
        """As an ACL change does: the user's (or everyone's) sync tokens answer 410 from now on."""
        with self.lock:
            for email, calendar in self.world.calendars.items():
                if user is None or email == user.lower():
                    calendar.epoch += 1

    def notifications(self) -> tuple[Notification, ...]:
        with self.lock:
            return tuple(self.world.notifications)

    def clear_notifications(self) -> None:
        with self.lock:
            self.world.notifications.clear()

    def count_request(self, user: str, endpoint: str) -> None:
        with self.lock:
            self._counters[(user, endpoint)] += 1

    def request_counts(self) -> dict[str, dict[str, int]]:
        """Requests received, per user (token subject) and endpoint (`events.list`, `batch`, ...)."""
        with self.lock:
            counts: dict[str, dict[str, int]] = {}
            for (user, endpoint), number in sorted(self._counters.items()):
                counts.setdefault(user, {})[endpoint] = number
            return counts

    def reset_counters(self) -> None:
        with self.lock:
            self._counters.clear()

    def configure_quota(
        self,
        *,
        user_per_minute: int | None = None,
        project_per_minute: int | None = None,
        user_reason: str | None = None,
    ) -> QuotaSettings:
        with self.lock:
            old = self.quota.settings
            if user_reason not in (None, "rateLimitExceeded", "userRateLimitExceeded"):
                raise ValueError(f"unknown rate-limit reason {user_reason!r}")
            self.quota.settings = QuotaSettings(
                user_per_minute=old.user_per_minute if user_per_minute is None else user_per_minute,
                project_per_minute=old.project_per_minute if project_per_minute is None else project_per_minute,
                user_reason=user_reason or old.user_reason,
            )
            return self.quota.settings

    def configure_abuse_limits(
        self,
        *,
        events_created_per_day: int | None = None,
        external_invitations_per_day: int | None = None,
        read_only_for: timedelta | None = None,
    ) -> AbuseSettings:
        """Google's anti-abuse thresholds: past one, the calendar answers writes with
        403 quotaExceeded for `read_only_for`."""
        with self.lock:
            old = self.abuse.settings
            self.abuse.settings = AbuseSettings(
                events_created_per_day=events_created_per_day or old.events_created_per_day,
                external_invitations_per_day=external_invitations_per_day or old.external_invitations_per_day,
                read_only_for=read_only_for or old.read_only_for,
            )
            return self.abuse.settings

    def set_quota_exceeded(self, user: str, exceeded: bool = True) -> None:
        """Make the user's calendar read-only (403 quotaExceeded on writes) until lifted."""
        with self.lock:
            self.abuse.switch(user, exceeded)

    def set_faults(self, rule: FaultRule | None) -> None:
        with self.lock:
            self.faults.set(rule)

    def clear_faults(self) -> None:
        self.set_faults(None)

    def reset(self) -> None:
        """Forget events, tokens, mail, counters, limits, faults and clock changes.
        Users, service accounts and delegation stay, so written key files keep working."""
        with self.lock:
            self.clock.reset()
            now = self.now()
            old = self.world
            self.world = World(self.domain, now)
            for email in old.users:
                self.world.add_user(email, old.calendars[email].time_zone)
            for email in self._accounts:
                if email in old.calendars:
                    self.world.ensure_calendar(email)
            self._tokens.clear()
            self._counters.clear()
            self._disabled_projects.clear()
            self.sync_token_ttl = None
            self.quota = Quota()
            self.abuse = AbuseGuard()
            self.faults = Faults()
