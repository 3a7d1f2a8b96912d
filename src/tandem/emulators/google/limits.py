"""Quotas, Google's anti-abuse read-only mode, and injected faults.

* Rate limits: sliding one-minute windows, one per quota user (the `quotaUser` /
  `x-goog-quota-user` named, else the service account: with domain-wide delegation Google
  charges the account, so all delegated users share its bucket) and one per project.
  `patch` costs three units. Refused calls are not charged.
* `quotaExceeded`: a calendar that created too many events or invited too many external
  guests in a day goes read-only for a while; tests can also switch it on per user.
* Faults: shares of 500 / 503 / 429 and of slow answers, optionally only for one user or
  only for writes, drawn from a seeded generator so a run can be replayed; optionally the
  write is applied before the error is returned (the retry then meets 409 or 412).
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tandem.emulators.google import errors
from tandem.emulators.google.errors import ApiError

WINDOW_SECONDS = 60.0


class SlidingWindow:
    def __init__(self) -> None:
        self._entries: deque[tuple[float, int]] = deque()
        self._total = 0

    def used(self, now: float) -> int:
        while self._entries and self._entries[0][0] <= now - WINDOW_SECONDS:
            self._total -= self._entries.popleft()[1]
        return self._total

    def add(self, now: float, units: int) -> None:
        self._entries.append((now, units))
        self._total += units


@dataclass(frozen=True, slots=True)
class QuotaSettings:
    user_per_minute: int = 600
    project_per_minute: int = 10_000
    user_reason: str = "rateLimitExceeded"  # or "userRateLimitExceeded"


class Quota:
    def __init__(self) -> None:
        self.settings = QuotaSettings()
        self._users: dict[str, SlidingWindow] = {}
        self._projects: dict[str, SlidingWindow] = {}

    def reset(self) -> None:
        self._users.clear()
        self._projects.clear()

    def charge(self, quota_user: str, project: str, units: int, now: datetime) -> ApiError | None:
        stamp = now.timestamp()
        project_window = self._projects.setdefault(project, SlidingWindow())
        user_window = self._users.setdefault(quota_user, SlidingWindow())
        if project_window.used(stamp) + units > self.settings.project_per_minute:
            return errors.rate_limited("rateLimitExceeded")
        if user_window.used(stamp) + units > self.settings.user_per_minute:
            return errors.rate_limited(self.settings.user_reason)
        project_window.add(stamp, units)
        user_window.add(stamp, units)
        return None


@dataclass(frozen=True, slots=True)
class AbuseSettings:
    events_created_per_day: int = 100_000
    external_invitations_per_day: int = 10_000
    read_only_for: timedelta = timedelta(hours=1)


class AbuseGuard:
    """Google's 403 `quotaExceeded`: the calendar is read-only until the cool-down ends."""

    def __init__(self) -> None:
        self.settings = AbuseSettings()
        self._switched_on: set[str] = set()
        self._read_only_until: dict[str, datetime] = {}
        self._counts: dict[tuple[str, str], tuple[date, int]] = {}

    def reset(self) -> None:
        self._switched_on.clear()
        self._read_only_until.clear()
        self._counts.clear()

    def switch(self, user: str, on: bool) -> None:
        if on:
            self._switched_on.add(user.lower())
        else:
            self._switched_on.discard(user.lower())
            self._read_only_until.pop(user.lower(), None)

    def blocked(self, user: str, now: datetime) -> bool:
        until = self._read_only_until.get(user)
        return user in self._switched_on or (until is not None and now < until)

    def count(self, user: str, what: str, amount: int, now: datetime) -> None:
        """Add to today's count of `what` ("created" / "external"); past the limit, read-only."""
        if amount <= 0:
            return
        day, so_far = self._counts.get((user, what), (now.date(), 0))
        so_far = (so_far if day == now.date() else 0) + amount
        self._counts[(user, what)] = (now.date(), so_far)
        limit = (
            self.settings.events_created_per_day if what == "created" else self.settings.external_invitations_per_day
        )
        if so_far > limit:
            self._read_only_until[user] = now + self.settings.read_only_for


@dataclass(frozen=True, slots=True)
class FaultRule:
    """Shares (0..1) of calls that fail or slow down; the rest behave normally."""

    error_500: float = 0.0
    error_503: float = 0.0
    error_429: float = 0.0
    slow: float = 0.0
    delay_seconds: float = 0.2
    user: str | None = None
    writes_only: bool = False
    apply_then_fail: bool = False
    limit: int | None = None
    seed: int = 0


@dataclass(frozen=True, slots=True)
class FaultDecision:
    error: ApiError | None = None
    delay: float = 0.0
    after_write: bool = False


class Faults:
    def __init__(self) -> None:
        self.rule: FaultRule | None = None
        self.injected = 0
        self._random = random.Random(0)

    def set(self, rule: FaultRule | None) -> None:
        self.rule = rule
        self.injected = 0
        self._random = random.Random(rule.seed if rule else 0)

    def decide(self, user: str, is_write: bool) -> FaultDecision:
        rule = self.rule
        if rule is None or (rule.user is not None and rule.user.lower() != user) or (rule.writes_only and not is_write):
            return FaultDecision()
        if rule.limit is not None and self.injected >= rule.limit:
            return FaultDecision()
        draw = self._random.random()
        error: ApiError | None = None
        if draw < rule.error_500:
            error = errors.backend_error()
        elif draw < rule.error_500 + rule.error_503:
            error = errors.service_unavailable()
        elif draw < rule.error_500 + rule.error_503 + rule.error_429:
            error = errors.rate_limited("rateLimitExceeded", status=429)
        delay = rule.delay_seconds if self._random.random() < rule.slow else 0.0
        if error is not None or delay:
            self.injected += 1
        return FaultDecision(error, delay, rule.apply_then_fail and is_write and error is not None)
