"""One user's calendar sync run: read both sides, pair, plan, execute, advance, record.

1. The hub's changes since the user's cursor (or, on the first run, everything the
   user owns or takes part in), and the calendar's changes since its token (or a full
   read; a 410 means a full read that re-links by id and never duplicates).
2. Links and base snapshots of everything read, then the activities those links and
   the events' deterministic ids name (tombstones included).
3. `tandem.sync.plan.plan_user` decides; a halted plan (the mass-deletion breaker,
   BEY-3) is not executed, and a dry run is only shown.
4. `execute.Executor` runs the items; the cursors advance only when every item read
   is settled, skipped or quarantined; the run is recorded for the admin.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tandem.config import SyncSettings
from tandem.domain import errors
from tandem.domain.activity import Activity
from tandem.domain.calendar import CalendarEvent, EventStatus
from tandem.domain.progress import Progress
from tandem.domain.syncstate import Cursor, LinkedItem, QuarantinedItem, RunCounts, RunRecord, is_stand_in
from tandem.ports.calendar import CalendarChanges, CalendarPort
from tandem.ports.psa import PsaPort, PsaUser, SyncSetup
from tandem.ports.state import SyncStateStore
from tandem.runtime.execute import Executor, ItemResult, Outcome, RunStopped, WriteBatcher, execute_all
from tandem.runtime.reactions import Reaction, during_reading, reaction
from tandem.runtime.records import ItemRecords
from tandem.sync.context import DeletionBreaker, People, SyncContext
from tandem.sync.ids import occurrence_event_id
from tandem.sync.pairing import wanted_activity_guids, wanted_links
from tandem.sync.plan import UserPlan, count_actions, plan_user

log = logging.getLogger("tandem.runtime.sync")
HUB_PAGE = 1000
HUB_PAGES_PER_RUN = 20


class NotSyncable(Exception):
    """This user cannot be synced now, for a reason the admin can act on."""


@dataclass
class RunReport:
    user_guid: str
    record: RunRecord
    plan: UserPlan | None = None
    results: list[ItemResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: str | None = None
    """Why the run stopped before its end (quota, credentials): the scheduler pauses."""
    quota: bool = False
    not_syncable: bool = False
    quiet: bool = False
    """Nothing was read on either side and nothing was to do: nothing was recorded (`QuietRuns`)."""


@dataclass
class QuietRuns:
    """How the runtime keeps a quiet run (nothing read on either side, nothing to do) cheap.

    Most runs are quiet: every user is polled every `poll_interval_s` whether or not anything
    changed. Such a run records nothing: the runtime's schedule row, which it writes anyway,
    keeps its time as the user's last success (`runtime.status.last_success`). Its calendar
    token is kept too: the calendar hands out a new token with every answer, but the old one
    still stands for everything after it, so the cursor is written only when it has not been
    for `token_refresh_s` in this process (tokens expire after a while: an hour is far inside
    Google's lifetime). So a quiet run writes nothing but the schedule.
    """

    token_refresh_s: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    _written: dict[str, float] = field(default_factory=dict)

    def keep_token(self, user_guid: str) -> bool:
        written = self._written.get(user_guid)
        return written is not None and self.clock() - written < self.token_refresh_s

    def cursor_written(self, user_guid: str) -> None:
        self._written[user_guid] = self.clock()


@dataclass
class Reading:
    setup: SyncSetup
    user: PsaUser
    ctx: SyncContext
    cursor: Cursor | None
    activities: dict[str, Activity]
    events: list[CalendarEvent]
    linked: dict[str, LinkedItem]
    absent_event_ids: frozenset[str]
    hub_seq: int
    calendar: CalendarChanges
    linked_total: int

    @property
    def is_quiet(self) -> bool:
        """Nothing read on either side (nor due again from the items set aside)."""
        return not self.activities and not self.events and not self.absent_event_ids


@dataclass
class UserSync:
    psa: PsaPort
    calendar: CalendarPort
    store: SyncStateStore
    settings: SyncSettings
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    hub_concurrency: int = 4
    quiet: QuietRuns | None = None
    """The runtime's (its schedule row records a quiet run); None records every run."""
    reads_together: Callable[[], AbstractContextManager[object]] = nullcontext
    """Around the run's first reads (one thread trip): lets them share one database session
    (`Database.reads_together`), where the hub and the sync state live in one database."""

    async def run(
        self,
        user_guid: str,
        *,
        dry_run: bool = False,
        confirm_mass_deletion: bool = False,
        progress: Progress | None = None,
    ) -> RunReport:
        """One run: read both sides, plan, write; `progress` hears the items done as they are
        (`tandem sync --user` on a terminal shows it as a bar, a first sync being thousands)."""
        started = self.clock()
        try:
            reading = await self.read(user_guid, confirm_mass_deletion=confirm_mass_deletion)
        except NotSyncable as reason:
            report = await self._record(user_guid, "", started, RunCounts(), error=str(reason), dry_run=dry_run)
            report.not_syncable = True
            return report
        except errors.TandemError as failed:
            what = during_reading(failed)
            if not what.stops_run:
                return await self._record(
                    user_guid, "", started, RunCounts(), error=f"will retry: {failed}", dry_run=dry_run
                )
            report = await self._record(user_guid, "", started, RunCounts(), error=str(failed), dry_run=dry_run)
            report.stopped, report.quota = str(failed), what is Reaction.PAUSE
            return report
        plan = plan_user(
            activities=reading.activities.values(),
            events=reading.events,
            linked=reading.linked.values(),
            ctx=reading.ctx,
            now=started,
            absent_event_ids=reading.absent_event_ids,
            linked_items=reading.linked_total,
        )
        calendar_id = reading.ctx.calendar_id
        if dry_run:
            report = await self._record(user_guid, calendar_id, started, plan.counts(), dry_run=True, save=False)
            report.plan = plan
            return report
        if plan.halt is not None:
            report = await self._record(user_guid, calendar_id, started, RunCounts(), halted=plan.halt.reason)
            report.plan = plan
            return report
        if self.quiet is not None and plan.is_empty and reading.is_quiet:
            return await self._quiet(reading, plan, started)
        return await self._execute(reading, plan, started, progress)

    async def _quiet(self, reading: Reading, plan: UserPlan, started: datetime) -> RunReport:
        """A run that read nothing and had nothing to do: recorded only when its cursor is due
        to be written (`QuietRuns`)."""
        assert self.quiet is not None
        user_guid = reading.user.guid
        advance = _advanced(reading, started)
        if advance is not None and _only_token_moved(reading.cursor, advance) and self.quiet.keep_token(user_guid):
            advance = None
        if advance is None:
            record = RunRecord(user_guid, reading.ctx.calendar_id, started, self.clock(), RunCounts())
            report = RunReport(user_guid, record, plan=plan, quiet=True)
        else:
            report = await self._record(user_guid, reading.ctx.calendar_id, started, RunCounts(), advance=advance)
            report.plan = plan
        return report

    async def _execute(
        self, reading: Reading, plan: UserPlan, started: datetime, progress: Progress | None = None
    ) -> RunReport:
        ctx = reading.ctx
        records = ItemRecords(self.store)
        executor = Executor(
            psa=self.psa,
            calendar=self.calendar,
            store=self.store,
            ctx=ctx,
            now=started,
            hub_slots=asyncio.Semaphore(self.hub_concurrency),
            batcher=WriteBatcher(self.calendar, ctx.calendar_id),
            records=records,
        )
        stopped: str | None = None
        quota = False
        try:
            results = await execute_all(executor, plan.items, progress=progress)
        except RunStopped as stop:
            stopped = str(stop)
            quota = stop.__cause__ is not None and reaction(stop.__cause__) is Reaction.PAUSE
            results = []
        await records.settled()
        results = [r.unless_uncommitted() for r in results]
        error, counts = _tally(results, stopped)
        advance = _advanced(reading, started) if error is None else None
        record = RunRecord(reading.user.guid, ctx.calendar_id, started, self.clock(), counts, error=error)
        try:
            # The commits still waiting, with the run's record and its cursor: one transaction.
            await records.finish(record, advance)
            if advance is not None and self.quiet is not None:
                self.quiet.cursor_written(reading.user.guid)
            report = RunReport(reading.user.guid, record)
        except errors.TandemError as unsaved:
            # Each waiting commit was tried alone; what held stays, the rest is for the next run.
            results = [r.unless_uncommitted() for r in results]
            error, counts = _tally(results, stopped)
            error = error or f"will retry: the cursors could not advance: {unsaved}"
            report = await self._record(reading.user.guid, ctx.calendar_id, started, counts, error=error)
        report.plan, report.results = plan, results
        report.warnings = [w.message for w in executor.warnings]
        report.stopped, report.quota = stopped, quota
        return report

    async def _record(
        self,
        user_guid: str,
        calendar_id: str,
        started: datetime,
        counts: RunCounts,
        *,
        error: str | None = None,
        halted: str | None = None,
        dry_run: bool = False,
        save: bool = True,
        advance: Cursor | None = None,
    ) -> RunReport:
        record = RunRecord(
            user_guid=user_guid,
            calendar_id=calendar_id,
            started_at=started,
            finished_at=self.clock(),
            counts=counts,
            halted_reason=halted,
            error=error,
            dry_run=dry_run,
        )
        if save:
            await asyncio.to_thread(self.store.record_run, record, advance)
            if advance is not None and self.quiet is not None:
                self.quiet.cursor_written(user_guid)
        return RunReport(user_guid, record)

    # ------------------------------------------------------------------ reading

    async def read(self, user_guid: str, *, confirm_mass_deletion: bool = False) -> Reading:
        # The store and hub reads before the calendar's go in one trip to a worker thread, not
        # one trip each: an idle run is little else, and each trip costs a hand-off both ways.
        setup, user, ctx, cursor, (activities, hub_seq), (retry, copies) = await asyncio.to_thread(
            self._read_hub_side, user_guid, confirm_mass_deletion
        )
        initial = cursor is None or cursor.initial_done_at is None
        changes = await self._read_calendar(ctx.calendar_id, cursor)
        ctx = replace(ctx, initial=initial, calendar_full_read=changes.full)
        events = list(changes.events)
        linked, absent = await self._links(user.guid, ctx, activities, events, full=changes.full)
        await self._retry_quarantined(retry, ctx, activities, events, linked)
        ctx = await self._stand_ins(setup, ctx, activities, linked, copies)
        # The deletion breaker's denominator; a run that read nothing plans nothing.
        read_something = activities or events or absent
        total = await asyncio.to_thread(self.store.count_links, user.guid, ctx.calendar_id) if read_something else 0
        return Reading(setup, user, ctx, cursor, activities, events, linked, absent, hub_seq, changes, total)

    def _context(self, setup: SyncSetup, user: PsaUser, confirm: bool) -> SyncContext:
        if setup.default_type_guid is None:
            raise NotSyncable("the organisation has no default activity type for entries made in the calendar")
        assert user.email is not None
        return SyncContext(
            user_guid=user.guid,
            user_email=user.email,
            calendar_id=user.email.strip().lower(),
            synced_type_guids=setup.synced_type_guids,
            default_type_guid=setup.default_type_guid,
            personal_type_guid=setup.personal_type_guid,
            absence_type_guid=setup.absence_type_guid,
            type_categories=setup.type_categories,
            people=People.of({u.email: u.guid for u in setup.users if u.email}),
            default_time_zone=user.time_zone,
            fans_out_invitations=self.calendar.fans_out_invitations,
            cutoff_days=self.settings.initial_cutoff_days,
            breaker=DeletionBreaker(self.settings.max_delete_share, self.settings.max_delete_min_items),
            confirm_mass_deletion=confirm,
        )

    def _read_hub_side(
        self, user_guid: str, confirm: bool
    ) -> tuple[
        SyncSetup,
        PsaUser,
        SyncContext,
        Cursor | None,
        tuple[dict[str, Activity], int],
        tuple[Sequence[QuarantinedItem], Sequence[LinkedItem]],
    ]:
        """(In a worker thread.) The organisation, the user, their cursor, what changed for
        them in the hub since, and their items set aside."""
        with self.reads_together():
            setup = self.psa.setup()
            user = _syncable_user(setup, user_guid)
            ctx = self._context(setup, user, confirm)
            cursor = self.store.cursor(user.guid, ctx.calendar_id)
            initial = cursor is None or cursor.initial_done_at is None
            return setup, user, ctx, cursor, self._read_hub(user.guid, cursor, initial), self._read_aside(ctx)

    def _read_aside(self, ctx: SyncContext) -> tuple[Sequence[QuarantinedItem], Sequence[LinkedItem]]:
        """(In a worker thread.) The user's items set aside whose retry time came, and their
        stand-in copies (only where the calendar does not fan invitations out)."""
        retry = self.store.due_for_retry(ctx.user_guid, ctx.calendar_id, self.clock())
        copies = self.store.stand_ins(ctx.user_guid, ctx.calendar_id) if ctx.fans_out_invitations else ()
        return retry, copies

    def _read_hub(self, user_guid: str, cursor: Cursor | None, initial: bool) -> tuple[dict[str, Activity], int]:
        """The user's changed activities and the change-log position they reach."""
        after = cursor.hub_seq if cursor else 0
        oldest = self.psa.oldest_seq()
        if initial or (after and oldest > after + 1):
            # First run, or the log forgot changes this user never read: take everything.
            seq = self.psa.latest_seq()
            everything = self.psa.activities_of_user(user_guid)
            return {a.guid: a for a in everything}, seq
        guids: list[str] = []
        for _ in range(HUB_PAGES_PER_RUN):
            page = self.psa.changes_for_user(user_guid, after, HUB_PAGE)
            guids.extend(c.activity_guid for c in page)
            if page:
                after = page[-1].seq
            if len(page) < HUB_PAGE:
                break
        found = self.psa.get_activities(set(guids)) if guids else {}
        return dict(found), after

    async def _read_calendar(self, calendar_id: str, cursor: Cursor | None) -> CalendarChanges:
        token = cursor.calendar_token if cursor else None
        try:
            return await self.calendar.changes(calendar_id, token)
        except errors.FullSyncRequired:
            log.info("calendar %s asked for a full sync (410); reading it all and re-linking", calendar_id)
            return await self.calendar.changes(calendar_id, None)

    async def _links(
        self, user_guid: str, ctx: SyncContext, activities: dict[str, Activity], events: list[CalendarEvent], full: bool
    ) -> tuple[dict[str, LinkedItem], frozenset[str]]:
        """Links of everything read; activities those links name; and, after a full read,
        the linked events the calendar no longer has."""
        linked: dict[str, LinkedItem] = {}
        if full:
            for item in await asyncio.to_thread(self.store.all_links, user_guid, ctx.calendar_id):
                linked[item.link.activity_guid] = item
        await self._unfold_cancelled_exceptions(ctx, events)
        for _ in range(2):  # links lead to activities, activities to links
            for item in await self._links_of(ctx, activities.values(), events):
                linked[item.link.activity_guid] = item
            wanted = {li.link.activity_guid for li in linked.values()} | wanted_activity_guids(events, ctx)
            missing = wanted - activities.keys()
            if not missing:
                break
            activities.update(await asyncio.to_thread(self.psa.get_activities, missing))
        absent: frozenset[str] = frozenset()
        if full:
            seen = {e.id for e in events}
            absent = frozenset(li.link.event_id for li in linked.values() if li.link.event_id not in seen)
        return linked, absent

    async def _unfold_cancelled_exceptions(self, ctx: SyncContext, events: list[CalendarEvent]) -> None:
        """CAL-9: the calendar port reports a cancelled occurrence as an EXDATE of its series,
        never on its own. An occurrence the user had moved or edited (an exception, linked)
        and then cancelled in the calendar must still reach its exception as a deletion: its
        cancelled event is put back among the events read, for the linked ones, dated by its
        series' last change (when the cancellation was folded into it): an undated deletion
        would lose every "which came later" to the PSA."""
        read = {e.id for e in events}
        folded = {
            occurrence_event_id(e.id, moment): CalendarEvent(
                id=occurrence_event_id(e.id, moment),
                status=EventStatus.CANCELLED,
                recurring_event_id=e.id,
                original_start=moment,
                organizer_email=e.organizer_email,
                updated=e.updated,
            )
            for e in events
            if e.recurrence is not None and not e.cancelled and e.recurring_event_id is None
            for moment in e.recurrence.exdates
        }
        wanted = folded.keys() - read
        if not wanted:
            return
        found = await asyncio.to_thread(self.store.links_by_event, ctx.user_guid, ctx.calendar_id, wanted)
        events.extend(folded[event_id] for event_id in sorted(found))

    async def _stand_ins(
        self,
        setup: SyncSetup,
        ctx: SyncContext,
        activities: dict[str, Activity],
        linked: dict[str, LinkedItem],
        copies: Sequence[LinkedItem],
    ) -> SyncContext:
        """CAL-14 across users: the user's stand-in `copies` (each run looks at them, so a copy
        goes as soon as its owner's calendar can hold the activity), whose calendars hold
        their owners' activities, and who holds what of the unlinked activities read."""
        if not ctx.fans_out_invitations:
            return ctx  # every participant's calendar holds its own copy anyway
        for item in copies:
            linked.setdefault(item.link.activity_guid, item)
        missing = {item.link.activity_guid for item in copies} - activities.keys()
        if missing:
            activities.update(await asyncio.to_thread(self.psa.get_activities, missing))
        if not copies and all(a.owner_guid == ctx.user_guid for a in activities.values()):
            hosts = None  # nothing of a colleague's: nobody's calendar matters here
        else:
            can = [u.guid for u in setup.users if u.is_active and u.calendar_sync and u.email]
            hosts = await asyncio.to_thread(self.store.hosting_users, can)
        unlinked = [guid for guid in activities if guid not in linked]
        held = await asyncio.to_thread(self.store.holders, unlinked) if unlinked else {}
        owner_holds = frozenset(
            guid
            for guid, holders in held.items()
            if any(user == activities[guid].owner_guid and not is_stand_in(event) for user, event in holders)
        )
        stood_in = frozenset(
            guid
            for guid, holders in held.items()
            if any(user != ctx.user_guid and is_stand_in(event) for user, event in holders)
        )
        return replace(ctx, hosts=hosts, owner_holds=owner_holds, stood_in=stood_in)

    async def _retry_quarantined(
        self,
        due: Sequence[QuarantinedItem],
        ctx: SyncContext,
        activities: dict[str, Activity],
        events: list[CalendarEvent],
        linked: dict[str, LinkedItem],
    ) -> None:
        """CAL-17: quarantined items whose retry time came are read again and planned again."""
        items = list(due)
        if not items:
            return
        missing = {q.activity_guid for q in items if q.activity_guid} - activities.keys()
        if missing:
            activities.update(await asyncio.to_thread(self.psa.get_activities, missing))
        have = {e.id for e in events}
        for q in items:
            if q.event_id and q.event_id not in have:
                event = await self.calendar.get(ctx.calendar_id, q.event_id)
                if event is not None:
                    events.append(event)
                    have.add(event.id)
        for item in await self._links_of(ctx, activities.values(), events):
            linked[item.link.activity_guid] = item

    async def _links_of(
        self, ctx: SyncContext, activities: Iterable[Activity], events: Sequence[CalendarEvent]
    ) -> list[LinkedItem]:
        """The links of these activities and events (no store call for nothing)."""
        guids, ids = wanted_links(activities, events)
        found: list[LinkedItem] = []
        if guids:
            by_activity = await asyncio.to_thread(self.store.links_by_activity, ctx.user_guid, ctx.calendar_id, guids)
            found.extend(by_activity.values())
        if ids:
            found.extend(
                (await asyncio.to_thread(self.store.links_by_event, ctx.user_guid, ctx.calendar_id, ids)).values()
            )
        return found


def _tally(results: Sequence[ItemResult], stopped: str | None) -> tuple[str | None, RunCounts]:
    """The run's error (None: every item read is settled, skipped or quarantined) and counts."""
    unfinished = [r for r in results if r.outcome is Outcome.UNFINISHED]
    error = stopped or (f"{len(unfinished)} items will be retried: {unfinished[0].error}" if unfinished else None)
    counts = count_actions(a for r in results for a in r.executed)
    return error, replace(counts, failed=len(unfinished) + (1 if stopped else 0))


def _advanced(reading: Reading, now: datetime) -> Cursor | None:
    """The cursor this run moved the user to; None when it stayed where it was (an idle run
    writes nothing but its record)."""
    cursor = reading.cursor
    moved = Cursor(
        user_guid=reading.user.guid,
        calendar_id=reading.ctx.calendar_id,
        calendar_token=reading.calendar.next_cursor,
        hub_seq=reading.hub_seq,
        initial_done_at=(cursor.initial_done_at if cursor and cursor.initial_done_at else now),
    )
    return None if moved == cursor else moved


def _only_token_moved(cursor: Cursor | None, moved: Cursor) -> bool:
    if cursor is None or cursor.calendar_token is None:
        return False
    return replace(moved, calendar_token=cursor.calendar_token) == cursor


def _syncable_user(setup: SyncSetup, user_guid: str) -> PsaUser:
    user = next((u for u in setup.users if u.guid == user_guid), None)
    if user is None:
        raise NotSyncable("there is no such user")
    if not setup.addon_enabled:
        raise NotSyncable("calendar synchronization is off for the organisation")
    if not user.is_active:
        raise NotSyncable("the user is not active")
    if not user.calendar_sync:
        raise NotSyncable("the user has calendar synchronization off (CAL-7)")
    if not user.email:
        raise NotSyncable("the user has no email address, so no calendar account can match (CAL-3)")
    return user
