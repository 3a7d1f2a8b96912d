"""BEY-3 / CAL-17 when the database fails in the middle of a run: on PostgreSQL the
connections are killed (`pg_terminate_backend`), on SQLite the database stays locked past
the busy timeout. The run ends recorded with the reason, the user backs off, nothing is
lost or duplicated, and the next run converges.

The runs go through `SyncRuntime`'s job, as `tandem serve` runs them, on a `Database` of
its own whose SQLite busy timeout is short (the failure then comes in a fifth of a second).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from tandem.domain.activity import Activity
from tandem.hub.adapters.activities import HubPsa
from tandem.ports.psa import SyncSetup
from tandem.runtime.service import SyncRuntime
from tandem.store.db import Database
from tandem.store.schedule import SqlSchedule
from tandem.store.syncstate import SqlSyncStateStore
from tests.e2e.calendar.conftest import ALICE, World, event_body, soon
from tests.e2e.database_faults import BreakAtWrite

PSA_ITEMS = ("Budget review", "Customer call", "Design sync", "Planning", "Retro")
GOOGLE_ITEMS = ("Dentist", "Lunch with Bob", "Team dinner")


def runtime_on(db: Database, world: World, psa: HubPsa | None = None) -> SyncRuntime:
    return SyncRuntime(
        psa=psa or HubPsa(db),
        make_calendar=world.tandem.calendar,
        store=SqlSyncStateStore(db),
        schedule=SqlSchedule(db),
        settings=world.tandem.settings.sync,
    )


def job(runtime: SyncRuntime, user_guid: str) -> None:
    async def run() -> None:
        try:
            await runtime._job(user_guid)
        finally:
            if runtime.calendar is not None:
                await runtime.calendar.aclose()  # type: ignore[attr-defined]
                runtime.calendar = None

    asyncio.run(run())


def test_cal_17_a_lost_database_connection_ends_the_run_recorded_and_backed_off(
    world: World, hub_database_url: str
) -> None:
    for day, name in enumerate(PSA_ITEMS, start=1):
        world.create(ALICE, name, soon(days=day))
    for day, name in enumerate(GOOGLE_ITEMS, start=1):
        assert world.calendar(ALICE).insert(event_body(name, soon(days=day, hour=14))).status_code == 200
    alice = world.users[ALICE].guid
    db = Database.from_url(hub_database_url, busy_timeout_s=0.2)
    try:
        runtime = runtime_on(db, world)
        schedule, store = SqlSchedule(db), SqlSyncStateStore(db)
        schedule.ensure([alice], datetime.now(UTC))

        # the 1st write holds the items' intents (one batch); the 2nd is in the middle of the
        # items (the activities made from the calendar's entries), before any item commits. On
        # SQLite the lock is held from the end of the nth write's transaction, so it breaks the
        # one after; on PostgreSQL the nth's own connection is killed.
        fault = BreakAtWrite(db, nth=1 if db.is_sqlite else 2)
        before = datetime.now(UTC)
        job(runtime, alice)
        fault.remove()
        assert fault.fired
        assert fault.failures, "the database never failed under the run"
        if not db.is_sqlite:
            assert fault.killed >= 1

        failed = store.last_runs(alice)[0]
        assert failed.error is not None
        assert "the database failed" in failed.error
        assert failed.counts.failed >= 1
        row = schedule.get(alice)
        assert row is not None
        assert row.failures == 1
        assert row.backoff_until is not None
        assert row.backoff_until > before
        assert row.last_error == failed.error

        job(runtime, alice)  # the back-off is over
        converged = store.last_runs(alice)[0]
        assert converged.error is None
        row = schedule.get(alice)
        assert row is not None
        assert row.failures == 0
        assert row.backoff_until is None
    finally:
        db.dispose()

    everything = sorted((*PSA_ITEMS, *GOOGLE_ITEMS))
    titles = [e.get("summary", "") for e in world.events(ALICE)]
    names = [a.name for a in world.activities()]
    assert sorted(titles) == everything, Counter(titles)
    assert sorted(names) == everything, Counter(names)
    assert world.sync(ALICE, dry_run=True).plan.is_empty  # type: ignore[union-attr]


class BuggyPsa(HubPsa):
    """The hub port with a bug that is not one of Tandem's errors: creating the activity
    named `fails_on` raises a `RuntimeError` once; `setup()` too when `setup_fails`."""

    def __init__(self, db: Database, fails_on: str = "", setup_fails: bool = False) -> None:
        super().__init__(db)
        self.fails_on = fails_on
        self.setup_fails = setup_fails

    def create_activity(self, activity: Activity) -> Activity:
        if activity.name == self.fails_on:
            self.fails_on = ""
            raise RuntimeError(f"a bug met {activity.name}")
        return super().create_activity(activity)

    def setup(self) -> SyncSetup:
        if self.setup_fails:
            self.setup_fails = False
            raise RuntimeError("a bug before anything was read")
        return super().setup()


def test_cal_17_an_unexpected_failure_of_one_item_leaves_the_other_items_done(world: World) -> None:
    for day, name in enumerate(PSA_ITEMS, start=1):
        world.create(ALICE, name, soon(days=day))
    for day, name in enumerate(GOOGLE_ITEMS, start=1):
        assert world.calendar(ALICE).insert(event_body(name, soon(days=day, hour=14))).status_code == 200
    alice = world.users[ALICE].guid
    db = world.tandem.db
    runtime = runtime_on(db, world, BuggyPsa(db, fails_on="Dentist"))
    store, schedule = SqlSyncStateStore(db), SqlSchedule(db)
    schedule.ensure([alice], datetime.now(UTC))

    job(runtime, alice)

    failed = store.last_runs(alice)[0]
    assert failed.error == "1 items will be retried: unexpected RuntimeError: a bug met Dentist"
    assert failed.counts.failed == 1
    # every other item went through in the same run
    assert failed.counts.events_created == len(PSA_ITEMS)
    assert failed.counts.activities_created == len(GOOGLE_ITEMS) - 1
    row = schedule.get(alice)
    assert row is not None
    assert row.failures == 1
    assert row.backoff_until is not None

    job(runtime, alice)
    assert store.last_runs(alice)[0].error is None
    everything = sorted((*PSA_ITEMS, *GOOGLE_ITEMS))
    assert sorted(a.name for a in world.activities()) == everything
    assert sorted(e.get("summary", "") for e in world.events(ALICE)) == everything
    assert world.sync(ALICE, dry_run=True).plan.is_empty  # type: ignore[union-attr]


def test_cal_17_whatever_escapes_a_run_is_recorded_and_backs_the_user_off(world: World) -> None:
    world.create(ALICE, "Planning", soon())
    alice = world.users[ALICE].guid
    db = world.tandem.db
    runtime = runtime_on(db, world, BuggyPsa(db, setup_fails=True))
    store, schedule = SqlSyncStateStore(db), SqlSchedule(db)
    schedule.ensure([alice], datetime.now(UTC))
    before = datetime.now(UTC)

    job(runtime, alice)

    (failed,) = store.last_runs(alice)
    assert failed.error == "the run failed: RuntimeError: a bug before anything was read"
    row = schedule.get(alice)
    assert row is not None
    assert row.failures == 1
    assert row.backoff_until is not None
    assert row.backoff_until > before
    assert world.events(ALICE) == []

    job(runtime, alice)
    assert store.last_runs(alice)[0].error is None
    assert [e.get("summary") for e in world.events(ALICE)] == ["Planning"]
