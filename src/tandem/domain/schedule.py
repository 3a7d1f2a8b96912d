"""One user's place in the calendar sync's schedule, as a value (`tandem.ports.state.ScheduleStore`
keeps these; `tandem.runtime.policy` computes the next one from a run's outcome).

    next_due_at      when the user's calendar is read again (the 30 s cycle, CAL-8)
    failures         runs that failed in a row; back-off grows with them
    backoff_until    no run before this (after failures)
    paused_reason    why the user's sync is held (quotaExceeded, the mass-deletion
                     breaker, a missing calendar account): shown to the admin
    paused_until     when a pause ends by itself (None: until someone resumes it)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class UserSchedule:
    user_guid: str
    next_due_at: datetime
    failures: int = 0
    backoff_until: datetime | None = None
    paused_reason: str | None = None
    paused_until: datetime | None = None
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None

    def paused_at(self, now: datetime) -> bool:
        return self.paused_reason is not None and (self.paused_until is None or self.paused_until > now)
