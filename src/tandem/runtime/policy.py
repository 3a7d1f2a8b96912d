"""What a finished run means for the user's schedule: the next due time, back-off, pauses.

Pure: the run's report and `now` in, the new schedule row out.

    success                     due again after the poll interval (CAL-8: 30 s)
    items left for later        back off: 30 s, 1 min, 2 min … at most 1 h, with jitter
    credentials or settings     back off the same way; the error is shown (CAL-2, CAL-3)
    quotaExceeded               paused for an hour with the reason shown
    mass-deletion breaker       paused until an admin confirms or resumes (BEY-3)
    user not syncable           checked again in 5 minutes
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from tandem.domain.schedule import UserSchedule

FIRST_BACKOFF_S = 30.0
MAX_BACKOFF_S = 3600.0
QUOTA_PAUSE = timedelta(hours=1)
NOT_SYNCABLE_RECHECK = timedelta(minutes=5)


def backoff(failures: int, rng: random.Random) -> timedelta:
    """Exponential with jitter: half fixed, half random, so many users do not retry at once."""
    ceiling = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** max(failures - 1, 0))
    return timedelta(seconds=ceiling / 2 + rng.random() * ceiling / 2)


def after_run(
    row: UserSchedule,
    now: datetime,
    poll_interval_s: float,
    *,
    error: str | None,
    halted: str | None = None,
    quota: bool = False,
    stopped: bool = False,
    not_syncable: bool = False,
    rng: random.Random | None = None,
) -> UserSchedule:
    rng = rng or random.Random()
    row = replace(row, last_finished_at=now, last_error=error or halted)
    if halted is not None:
        return replace(row, paused_reason=halted, paused_until=None, next_due_at=now)
    if quota:
        reason = f"the calendar's usage limit was exceeded; paused until {(now + QUOTA_PAUSE).isoformat()}"
        return replace(row, paused_reason=reason, paused_until=now + QUOTA_PAUSE, next_due_at=now + QUOTA_PAUSE)
    if not_syncable:
        return replace(row, failures=0, backoff_until=None, next_due_at=now + NOT_SYNCABLE_RECHECK)
    if error is not None or stopped:
        failures = row.failures + 1
        until = now + backoff(failures, rng)
        return replace(row, failures=failures, backoff_until=until, next_due_at=until)
    return replace(
        row,
        failures=0,
        backoff_until=None,
        paused_reason=None,
        paused_until=None,
        last_success_at=now,
        next_due_at=now + timedelta(seconds=poll_interval_s),
    )
