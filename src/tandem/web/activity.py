"""Admin → Sync activity (BEY-4, CAL-17, BEY-2): the recent runs with their counts, the items
set aside with a Retry each, the conflicts with both versions side by side, and the charts of
the last 24 hours (`chart.py`), from the same stores `tandem sync status` reads.

A conflict of a private entry (CAL-6) shows its times only: the admin is another user, and
no page shows anyone the details of someone else's private entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response

from tandem.domain.syncstate import Conflict, ConflictWinner, QuarantinedItem, RunRecord, SyncedFields
from tandem.hub.models import User
from tandem.runtime.status import calendar_of
from tandem.web import access, chart
from tandem.web.access import Visit
from tandem.web.context import WebContext, web
from tandem.web.forms import form
from tandem.web.pages import go, page
from tandem.web.users import start_sync

router = APIRouter(include_in_schema=False)

PAGE = "/admin/sync"
RUNS_READ = 20_000
"""Runs read for the 24 hours' charts: a user on the 30 s cycle has 2,880 a day."""
RUNS_LISTED = 30
CONFLICTS_PER_USER = 20
DONE = {
    "retried": "The item is due now, and its user's sync starts: reload in a moment to see how it went.",
    "due": "The item is due now. Its user's calendar sync is off, so it is retried when they switch it on.",
}
GONE = "That item is no longer set aside (it went through, or its user's sync state was reset): reload the page."
COUNTS = (
    ("events_created", "events created"),
    ("events_updated", "events updated"),
    ("events_deleted", "events deleted"),
    ("activities_created", "activities created"),
    ("activities_updated", "activities updated"),
    ("activities_deleted", "activities deleted"),
    ("linked", "linked"),
    ("unlinked", "unlinked"),
    ("conflicts", "conflicts"),
    ("quarantined", "set aside"),
    ("skipped", "skipped"),
    ("failed", "failed"),
)
PRIVATE_SHOWN = ("Start", "End", "Time zone", "Private")
"""What a conflict of a private entry shows another user (CAL-6: busy, and its time)."""


@dataclass(frozen=True, slots=True)
class RunRow:
    who: str
    started_at: datetime
    took_s: float | None
    counts: str
    outcome: str
    failed: bool


@dataclass(frozen=True, slots=True)
class AsideRow:
    who: str
    item: QuarantinedItem


@dataclass(frozen=True, slots=True)
class FieldRow:
    name: str
    psa: str
    calendar: str
    differs: bool


@dataclass(frozen=True, slots=True)
class ConflictView:
    who: str
    conflict: Conflict
    kept: str
    rows: list[FieldRow]
    private: bool


@dataclass(frozen=True, slots=True)
class Activity:
    runs: list[RunRow]
    quiet_runs: int
    set_aside: list[AsideRow]
    conflicts: list[ConflictView]
    hours: list[chart.Hour]
    changes_chart: chart.BarChart
    latency_chart: chart.BarChart


def activity(context: WebContext, viewer: str, now: datetime) -> Activity:
    store = context.sync_state()
    with context.hub.db.read() as session:
        users = session.scalars(sa.select(User).order_by(User.last_name, User.first_name)).unique().all()
    names = {u.guid: f"{u.full_name} <{u.email}>" if u.email else u.full_name for u in users}
    runs = store.runs_since(now - timedelta(hours=chart.HOURS), limit=RUNS_READ)
    notable = [r for r in runs if _failure(r) or r.dry_run or _counted(r)]
    set_aside = [AsideRow(names[u.guid], q) for u in users for q in store.quarantined(u.guid, calendar_of(u.email))]
    conflicts = [
        _conflict(names[u.guid], c, viewer) for u in users for c in store.conflicts(u.guid, CONFLICTS_PER_USER)
    ]
    hours = chart.by_hour(runs, now)
    starts = [h.start for h in hours]
    return Activity(
        runs=[_run(names.get(r.user_guid, r.user_guid), r) for r in notable[:RUNS_LISTED]],
        quiet_runs=len(runs) - len(notable),
        set_aside=sorted(set_aside, key=lambda row: row.item.retry_at),
        conflicts=sorted(conflicts, key=lambda view: view.conflict.detected_at, reverse=True),
        hours=hours,
        changes_chart=chart.bars([h.changes if h.runs else None for h in hours], starts, "changes"),
        latency_chart=chart.bars([h.mean_s for h in hours], starts, "s"),
    )


def _failure(run: RunRecord) -> str | None:
    return run.error or run.halted_reason


def _counted(run: RunRecord) -> bool:
    return any(getattr(run.counts, name) for name, _ in COUNTS)


def _run(who: str, run: RunRecord) -> RunRow:
    counts = ", ".join(f"{label} {getattr(run.counts, name)}" for name, label in COUNTS if getattr(run.counts, name))
    took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    if run.error:
        outcome = f"Failed: {run.error}"
    elif run.halted_reason:
        outcome = f"Stopped before writing: {run.halted_reason}"
    else:
        outcome = "Dry run" if run.dry_run else "Done"
    return RunRow(who, run.started_at, took, counts or "nothing", outcome, _failure(run) is not None)


def _conflict(who: str, conflict: Conflict, viewer: str) -> ConflictView:
    private = (conflict.psa.private or conflict.calendar.private) and conflict.user_guid != viewer
    rows = [
        FieldRow(name, psa, calendar, psa != calendar)
        for (name, psa), (_, calendar) in zip(_fields(conflict.psa), _fields(conflict.calendar), strict=True)
        if not private or name in PRIVATE_SHOWN
    ]
    kept = "the PSA's version" if conflict.winner is ConflictWinner.PSA else "the calendar's version"
    return ConflictView(who, conflict, kept, rows, private)


def _fields(fields: SyncedFields) -> list[tuple[str, str]]:
    """The synced fields (CAL-13) as the page shows them, in one order for both sides."""
    recurrence = fields.recurrence
    return [
        ("Subject", fields.summary),
        ("Description", fields.description or ""),
        ("Location", fields.location or ""),
        ("Start", _moment(fields.start)),
        ("End", _moment(fields.end)),
        ("Time zone", fields.time_zone or "all day"),
        ("Recurrence", _recurrence(recurrence.rrule, len(recurrence.exdates)) if recurrence else "none"),
        ("Private", "Yes" if fields.private else "No"),
        ("Attendees", ", ".join(f"{a.email} ({a.response.value})" for a in fields.attendees) or "none"),
    ]


def _moment(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.isoformat()


def _recurrence(rrule: str, cancelled: int) -> str:
    return rrule + (f" ({cancelled} cancelled)" if cancelled else "")


def _show(
    request: Request, seen: Visit, status: int = 200, done: str | None = None, error: str | None = None
) -> Response:
    assert seen.person is not None
    found = activity(web(request), seen.person.guid, datetime.now(UTC))
    return page(request, seen, "admin_sync.html", status, activity=found, done=done, error=error)


@router.get(PAGE)
def activity_page(request: Request, done: str = "", seen: Visit = Depends(access.admin)) -> Response:
    return _show(request, seen, done=DONE.get(done))


@router.post(f"{PAGE}/retry")
def retry(request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)) -> Response:
    """CAL-17: the item set aside is due now, and its user's sync starts (as Run now does)."""
    context = web(request)
    guid = sent.get("user", "")
    with context.hub.db.read() as session:
        user = session.scalars(sa.select(User).where(User.guid == guid)).unique().one_or_none() if guid else None
        calendar = calendar_of(user.email) if user is not None else ""
        syncing = user is not None and user.calendar_sync_enabled and user.is_active
    item = (sent.get("activity") or None, sent.get("event") or None)
    if user is None or not context.sync_state().retry_now(guid, calendar, *item, datetime.now(UTC)):
        return _show(request, seen, 400, error=GONE)
    if not syncing:  # due now all the same: it is retried when their sync is on again
        return go(request, seen, f"{PAGE}?done=due")
    start_sync(context, guid)
    return go(request, seen, f"{PAGE}?done=retried")
