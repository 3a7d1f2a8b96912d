"""The calendar sync as a service inside `tandem serve`.

    timer      every second: users whose calendar read is due (the schedule in the
               database: 30 s cycle, back-off, pauses) are dispatched
    follower   every `push_poll_s`: the hub's change log since the last look; every user
               a change touches is dispatched at once (CAL-8: PSA changes reach the
               calendar within seconds of commit). An in-process write wakes it at once.
    dispatch   one job per user at a time, at most one queued (`dispatch.Dispatcher`)
    triggers   `user_active(user)` (login, work in the PSA) asks for a run, debounced

Each job is a `UserSync.run`; its report moves the user's schedule (`policy.after_run`).
Whatever escapes a run (a bug, a failure nothing translated) still ends as a recorded run
with the reason and a backed-off user: the admin sees it, and the user is not retried in a
tight loop. So does a run that cannot start because the calendar connection cannot be used
(none saved, its key does not open, the stored secrets cannot be unsealed): every due user's
run is recorded as failed with that reason (`tandem sync status`, `tandem calendar status`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tandem.config import SyncSettings
from tandem.domain.errors import ConfigurationError
from tandem.domain.schedule import UserSchedule
from tandem.domain.syncstate import RunCounts, RunRecord
from tandem.ports.calendar import CalendarPort
from tandem.ports.psa import PsaPort
from tandem.ports.state import ScheduleStore, SyncStateStore
from tandem.runtime import metrics, policy
from tandem.runtime.dispatch import ROUTINE, AsyncioDispatcher
from tandem.runtime.logcontext import bound, new_run_id
from tandem.runtime.user_sync import QuietRuns, RunReport, UserSync

log = logging.getLogger("tandem.runtime")
CalendarFactory = Callable[[], CalendarPort | None]
NO_CONNECTION = "the calendar connection cannot be used: none is saved (`tandem calendar configure`)"


@dataclass
class SyncRuntime:
    psa: PsaPort
    make_calendar: CalendarFactory
    store: SyncStateStore
    schedule: ScheduleStore
    settings: SyncSettings
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    push_poll_s: float = 0.25
    roster_every_s: float = 10.0
    calendar_stamp: Callable[[], str | None] = lambda: None
    """Changes when the admin configures the calendar connection again: the adapter is rebuilt."""
    rng: random.Random = field(default_factory=random.Random)
    reads_together: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext
    """Lets a run's first reads share one database session (`UserSync.reads_together`)."""

    def __post_init__(self) -> None:
        self.dispatcher = AsyncioDispatcher(self.run_user, workers=self.settings.workers)
        self.calendar: CalendarPort | None = None
        self.reports: dict[str, RunReport] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._last_seen_seq = 0
        self._last_active: dict[str, float] = {}
        self._changed_at: dict[str, float] = {}
        """When a hub change first asked for each user's run (monotonic), for `metrics.change_to_calendar`."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._roster_users: frozenset[str] = frozenset()
        self._roster_read = False
        self._stamp: str | None = None
        self._retired: list[asyncio.Task[None]] = []
        self._retired_calendars: list[CalendarPort] = []
        self._calendar_problem: str | None = None
        self.quiet = QuietRuns()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._roster()
        # Changes committed while no runtime ran (a restart, a worker process started again)
        # are followed from where the least advanced user stopped, not skipped until each
        # user's next poll.
        latest = await asyncio.to_thread(self.psa.latest_seq)
        lowest = await asyncio.to_thread(self.store.lowest_hub_seq, self._roster_users)
        self._last_seen_seq = latest if lowest is None else min(lowest, latest)
        await self.dispatcher.start()
        self._tasks = [
            asyncio.create_task(self._timer(), name="sync-timer"),
            asyncio.create_task(self._follower(), name="sync-follower"),
        ]
        log.info("calendar sync started (%s)", "calendar configured" if self.calendar else "no calendar configured")

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.dispatcher.stop()
        for pending in self._retired:  # stopping: close retired adapters now, not a minute later
            pending.cancel()
        await asyncio.gather(*self._retired, return_exceptions=True)
        for calendar in (self.calendar, *self._retired_calendars):
            await _close(calendar)
        log.info("calendar sync stopped")

    # ------------------------------------------------------------------ triggers

    def hub_changed(self) -> None:
        """Called (from any thread) after a hub transaction that changed activities."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    def user_active(self, user_guid: str) -> None:
        """A login or activity of the user in Tandem: sync soon (debounced)."""
        now = time.monotonic()
        if now - self._last_active.get(user_guid, -1e9) >= self.settings.activity_debounce_s:
            self._last_active[user_guid] = now
            self.dispatcher.request(user_guid, "user active")

    def user_active_threadsafe(self, user_guid: str) -> None:
        """`user_active` from any thread (the API's handlers run in worker threads)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.user_active, user_guid)

    # ------------------------------------------------------------------ loops

    async def _timer(self) -> None:
        last_roster = -1e9
        while not self._stopping:
            try:
                if time.monotonic() - last_roster >= self.roster_every_s:
                    await self._roster()
                    last_roster = time.monotonic()
                for user in await asyncio.to_thread(self.schedule.due, self.clock()):
                    if not self.dispatcher.is_scheduled(user):
                        self.dispatcher.request(user, ROUTINE)
            except Exception:
                log.exception("the sync timer failed; trying again")
            await asyncio.sleep(1.0)

    async def _roster(self) -> None:
        """Schedule rows for exactly the users that can sync (add-on on, user switch on), and
        a fresh adapter when the calendar connection was configured again."""
        setup = await asyncio.to_thread(self.psa.setup)
        users = (
            [u.guid for u in setup.users if u.is_active and u.calendar_sync and u.email] if setup.addon_enabled else []
        )
        await asyncio.to_thread(self.schedule.ensure, users, self.clock())
        switched_on = set(users) - self._roster_users if self._roster_read else set()
        self._roster_users, self._roster_read = frozenset(users), True
        for user in sorted(switched_on):
            # CAL-7: on again resumes now, not at the recheck a run that met the switch still
            # off put off for minutes (a switch right after signing in, whose start was debounced)
            self.dispatcher.request(user, "sync switched on")
        stamp = await asyncio.to_thread(self.calendar_stamp)
        if self.calendar is None or stamp != self._stamp:
            retired, self.calendar = self.calendar, self._make_calendar()
            if stamp != self._stamp and self._stamp is not None:
                # configured again: whoever was backing off from the old connection tries now
                await asyncio.to_thread(self.schedule.retry_all_now, self.clock())
            self._stamp = stamp
            if retired is not None:  # runs in progress may still use it: close it a little later
                self._retired_calendars.append(retired)
                self._retired.append(asyncio.create_task(self._retire(retired)))

    def _make_calendar(self) -> CalendarPort | None:
        """A fresh adapter from the saved connection, or None with the reason kept for the runs
        that cannot start without it."""
        try:
            calendar = self.make_calendar()
        except ConfigurationError as error:  # the saved key does not open: the admin's to fix
            self._calendar_problem = f"the calendar connection cannot be used: {error}"
            return None
        except Exception as error:  # e.g. the stored secrets no longer unseal
            log.exception("the calendar connection cannot be used")
            self._calendar_problem = f"the calendar connection cannot be used: {error}"
            return None
        self._calendar_problem = None if calendar is not None else NO_CONNECTION
        return calendar

    async def _retire(self, calendar: CalendarPort) -> None:
        await asyncio.sleep(60)
        self._retired_calendars.remove(calendar)
        await _close(calendar)

    async def _follower(self) -> None:
        while not self._stopping:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
            # that lands as its timeout fires, and this loop would then never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.push_poll_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self._push_changes()
            except Exception:
                log.exception("following the hub's change log failed; trying again")

    async def _push_changes(self) -> None:
        touched = await asyncio.to_thread(self.psa.touched_after, self._last_seen_seq, 5000)
        if not touched:
            return
        self._last_seen_seq = touched[-1][0]
        users = sorted({user for _, user in touched if user in self._roster_users})
        if self.settings.push_debounce_s:
            # Each change waits the debounce from when it was read, while the follower reads
            # on: a sleep here would add it again for every change read meanwhile.
            asyncio.get_running_loop().call_later(self.settings.push_debounce_s, self._push, users)
        else:
            self._push(users)

    def _push(self, users: list[str]) -> None:
        if not self._stopping:
            now = time.monotonic()
            for user in users:
                self._changed_at.setdefault(user, now)
                self.dispatcher.request(user, "hub change")

    # ------------------------------------------------------------------ the job

    async def _job(self, user_guid: str) -> None:
        now = self.clock()
        row = (await asyncio.to_thread(self.schedule.get, user_guid)) or UserSchedule(user_guid, now)
        if row.paused_at(now):
            return
        calendar = self.calendar or self._make_calendar()
        if calendar is None:
            reason = self._calendar_problem or NO_CONNECTION
            report = await self._failed(user_guid, now, reason, RunCounts())
            self.reports[user_guid] = report
            after = policy.after_run(row, self.clock(), self.settings.poll_interval_s, error=reason, rng=self.rng)
            await asyncio.to_thread(self.schedule.save, after)
            log.warning("sync of %s: %s", user_guid, reason)
            return
        self.calendar = calendar
        report = await self._run(user_guid, calendar, now)
        self.reports[user_guid] = report
        record = report.record

        def finished(latest: UserSchedule | None) -> UserSchedule:
            return policy.after_run(
                _started(latest or row, now),
                self.clock(),
                self.settings.poll_interval_s,
                error=record.error,
                halted=record.halted_reason,
                quota=report.quota,
                stopped=report.stopped is not None,
                not_syncable=report.not_syncable,
                rng=self.rng,
            )

        await asyncio.to_thread(self.schedule.update, user_guid, finished)
        if record.error or record.halted_reason:
            log.warning("sync of %s: %s", user_guid, record.error or record.halted_reason)

    def user_sync(self, calendar: CalendarPort) -> UserSync:
        """A user's run as this runtime makes it (its organisation setup kept a few seconds,
        its quiet runs unrecorded: the schedule row records them)."""
        return UserSync(
            self.psa,
            calendar,
            self.store,
            self.settings,
            self.clock,
            quiet=self.quiet,
            reads_together=self.reads_together,
        )

    async def run_user(self, user_guid: str) -> None:
        """One run of the user's as the dispatcher starts it: schedule row read and written;
        every line it logs names the user and the run (`logcontext`)."""
        with bound(user=user_guid, run=new_run_id()):
            await self._job(user_guid)

    async def _run(self, user_guid: str, calendar: CalendarPort, started: datetime) -> RunReport:
        """The user's run; what escapes it becomes a failed run, recorded when the store can."""
        began = time.monotonic()
        changed = self._changed_at.pop(user_guid, None)
        try:
            report = await self.user_sync(calendar).run(user_guid)
        except Exception as error:
            log.exception("the sync of %s failed unexpectedly", user_guid)
            reason = f"the run failed: {type(error).__name__}: {error}"
            report = await self._failed(user_guid, started, reason, RunCounts(failed=1))
        _count(report, time.monotonic() - began, changed)
        return report

    async def _failed(self, user_guid: str, started: datetime, reason: str, counts: RunCounts) -> RunReport:
        """A run that failed outside `UserSync.run`, recorded with its reason when the store can."""
        record = RunRecord(
            user_guid=user_guid,
            calendar_id="",
            started_at=started,
            finished_at=self.clock(),
            counts=counts,
            error=reason,
        )
        try:
            await asyncio.to_thread(self.store.record_run, record)
        except Exception:
            log.exception("the failed sync of %s could not be recorded either", user_guid)
        return RunReport(user_guid, record)


def _count(report: RunReport, seconds: float, changed: float | None) -> None:
    """The run in the operator's figures (`runtime.metrics`): its outcome and what it did;
    for a run after a hub change that wrote the calendar, that change's way to the calendar."""
    record = report.record
    outcomes = (
        ("failed", record.error),
        ("halted", record.halted_reason),
        ("stopped", report.stopped),
        ("quiet", report.quiet),
    )
    outcome = next((name for name, happened in outcomes if happened), "ok")
    metrics.count_run(record.counts, outcome, seconds)
    counts = record.counts
    if changed is not None and counts.events_created + counts.events_updated + counts.events_deleted:
        metrics.change_to_calendar.observe(time.monotonic() - changed)


def _started(row: UserSchedule, now: datetime) -> UserSchedule:
    return replace(row, last_started_at=now)


async def _close(calendar: CalendarPort | None) -> None:
    close = getattr(calendar, "aclose", None)
    if close is not None:
        await close()
