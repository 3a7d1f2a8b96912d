"""What the admin is shown about the sync's health (BEY-11, CAL-17): why each user's latest
sync failed, and one line summing up who fails and why.

    tandem sync status       each user's `last_error`: `latest_failure`
    tandem calendar status   a warning "calendar sync fails for N of M users: ..." (`failure_warning`)

    tandem sync status       each user's state: `user_status` (also Admin → Users)

A failure is noted in two places: the run record (`SyncStateStore.record_run`, with its
counts) and the user's schedule row (`last_error`, written after every runtime run). The
latest of the two counts, so a failure that could not be recorded as a run (or was noted
before runs were recorded for it) still shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tandem.domain.schedule import UserSchedule
from tandem.domain.syncstate import QuarantinedItem, RunRecord
from tandem.ports.state import ScheduleStore, SyncStateStore

RUNS_LOOKED_AT = 5
"""Dry runs are skipped; a failed real run among the latest few is what the admin needs."""
EMAILS_SHOWN = 5


def calendar_of(email: str | None) -> str:
    """The calendar a user's sync state is kept under: their primary calendar (CAL-4), by email."""
    return (email or "").lower()


@dataclass(frozen=True, slots=True)
class UserSyncStatus:
    """One user's calendar sync as the admin is shown it (BEY-4)."""

    schedule: UserSchedule | None
    last_run: RunRecord | None
    last_success: datetime | None
    last_error: str | None
    conflicts: int
    set_aside: Sequence[QuarantinedItem]

    @property
    def next_run(self) -> datetime | None:
        """When the schedule runs the user next: the next due time, or the end of a longer back-off."""
        if self.schedule is None:
            return None
        backoff = self.schedule.backoff_until
        return max(self.schedule.next_due_at, backoff) if backoff is not None else self.schedule.next_due_at


def user_status(
    store: SyncStateStore, schedule: UserSchedule | None, user_guid: str, email: str | None
) -> UserSyncStatus:
    runs = store.last_runs(user_guid, limit=RUNS_LOOKED_AT)
    last = latest_run(runs)
    return UserSyncStatus(
        schedule=schedule,
        last_run=last,
        last_success=last_success(runs, schedule),
        last_error=latest_failure(last, schedule),
        conflicts=len(store.conflicts(user_guid)),
        set_aside=store.quarantined(user_guid, calendar_of(email)),
    )


def latest_run(runs: Sequence[RunRecord]) -> RunRecord | None:
    """The latest run that was not a dry run (`runs` newest first, as `last_runs` gives them)."""
    return next((r for r in runs if not r.dry_run), None)


def last_success(runs: Sequence[RunRecord], schedule: UserSchedule | None) -> datetime | None:
    """When the user's sync last went through: the schedule's note (the runtime's runs) or
    the newest real run without an error (also `tandem sync --user`'s), whichever is later."""
    clean = (r.finished_at for r in runs if not r.dry_run and not r.error and not r.halted_reason and r.finished_at)
    found = [t for t in (next(clean, None), schedule.last_success_at if schedule else None) if t is not None]
    return max(found, default=None)


def latest_failure(run: RunRecord | None, schedule: UserSchedule | None) -> str | None:
    """Why the user's latest sync failed; None when it went through (or never ran)."""
    noted = schedule.last_finished_at if schedule is not None else None
    if noted is not None and (run is None or run.finished_at is None or noted > run.finished_at):
        return schedule.last_error if schedule is not None else None
    if run is None:
        return None
    return run.error or run.halted_reason


def failures(store: SyncStateStore, schedule: ScheduleStore, users: Iterable[tuple[str, str]]) -> dict[str, str]:
    """email -> why its latest sync failed, for the given (guid, email) users that fail."""
    failing: dict[str, str] = {}
    for guid, email in users:
        reason = latest_failure(latest_run(store.last_runs(guid, RUNS_LOOKED_AT)), schedule.get(guid))
        if reason:
            failing[email] = reason
    return failing


def failure_warning(failing: Mapping[str, str], syncing: int) -> str | None:
    """One line: how many of the `syncing` users fail, each reason with the users it stops."""
    if not failing:
        return None
    by_reason: dict[str, list[str]] = {}
    for email, reason in failing.items():
        by_reason.setdefault(reason, []).append(email)
    groups = sorted(by_reason.items(), key=lambda group: (-len(group[1]), group[0]))
    parts = [f"{reason} ({_users(emails)})" for reason, emails in groups]
    return (
        f"calendar sync fails for {len(failing)} of {max(syncing, len(failing))} users: "
        + "; ".join(parts)
        + " (each user's reason: `tandem sync status`)"
    )


def _users(emails: list[str]) -> str:
    shown = sorted(emails)[:EMAILS_SHOWN]
    more = len(emails) - len(shown)
    count = f"{len(emails)} user{'s' if len(emails) != 1 else ''}"
    return f"{count}: {', '.join(shown)}{f' and {more} more' if more else ''}"
