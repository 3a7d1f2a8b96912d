"""BEY-3 under faults: with a fifth of Google's answers failing (500, 503, 429, and writes
that Google carried out but answered with an error), a few sync runs converge to exactly
the state the edits call for, with nothing duplicated and the failures retried, not
swallowed.

The edits and the state they must lead to come from `test_crash.Script`, with the series,
their exceptions and the meetings of `test_crash.Scene`; the syncs of Alice, Bob and Carol
all run under the faults: the same state a fault-free sync reaches (the crash test and
`test_cal_two_way.py` show that one).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field

import pytest

from tandem.connectors.google import GoogleCalendar
from tandem.connectors.google.retry import RetryPolicy
from tandem.emulators.google.limits import FaultRule
from tandem.hub.models import Activity as ActivityRow
from tandem.hub.services import activities, lookup
from tandem.hub.services.drafts import draft_of
from tandem.runtime.user_sync import RunReport
from tandem.sync.ids import event_id_for
from tests.e2e.calendar.conftest import ALICE, BOB, CAROL, GOOGLE_USERS, World, event_body, soon
from tests.e2e.calendar.test_crash import Scene, Script, converged
from tests.support import factories

SEED = int(os.environ.get("TANDEM_FAULT_SEED", "7"))
"""Seeds the edits and the emulator's faults (set it to explore)."""
ROUNDS = 15
MAX_RUNS = 10
FAST = RetryPolicy(retries=1, base_delay=0.005, max_delay=0.02)
"""The adapter's backoff, with short sleeps; one retry, so that some failures outlast it
and must be retried by the next run too."""
EXCEPTIONS_AT = {2: "psa", 4: "google"}
"""The rounds at which a series' occurrences are moved and cancelled, on the series' side."""
ANSWERS_AT = {3: (BOB, "accepted"), 5: (CAROL, "tentative")}
"""The rounds at which an attendee answers the meeting made in Google, in their own calendar."""
ATTENDEES_UNTIL = 6
"""Bob's and Carol's syncs run in the rounds up to this one (the scene's last change and one
more); later rounds change only Alice's own items, which their runs would only read."""


def faults(run: int) -> FaultRule:
    """A fifth of all calls fail; every other run a failing write was carried out first
    (the retry then meets 409 on an insert, 412 on a patch, 410 on a delete)."""
    return FaultRule(error_500=0.08, error_503=0.06, error_429=0.06, apply_then_fail=run % 2 == 1, seed=SEED + run)


@dataclass
class Runs:
    world: World
    reports: list[RunReport] = field(default_factory=list)
    injected: int = 0

    def once(self, rule: FaultRule, email: str = ALICE) -> RunReport:
        """One run of the user's sync while Google injects faults by `rule`."""
        state = self.world.server.state

        async def run() -> RunReport:
            settings = self.world.tandem.calendar_settings()
            assert settings is not None
            async with GoogleCalendar.from_settings(settings, retry=FAST) as calendar:
                return await self.world.tandem.user_sync(calendar).run(self.world.users[email].guid)

        state.set_faults(rule)
        try:
            report = asyncio.run(run())
        finally:
            self.injected += state.faults.injected
            state.clear_faults()
        self.reports.append(report)
        return report

    def until_done(self, email: str) -> int:
        """The user's runs until one finishes everything it read (at most MAX_RUNS); how many
        it took."""
        for number in range(1, MAX_RUNS + 1):
            record = self.once(faults(len(self.reports)), email).record
            if record.error is None and record.counts.failed == 0 and record.halted_reason is None:
                return number
        raise AssertionError(f"no convergence in {MAX_RUNS} runs: {[r.record.error for r in self.reports[-3:]]}")


@pytest.mark.slow
def test_bey_3_twenty_percent_injected_failures_converge(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tandem.connectors.google")
    # Only the injected faults fail calls: Google's rate limit is raised out of the way.
    world.server.state.configure_quota(user_per_minute=1_000_000, project_per_minute=1_000_000)
    script = Script.start(world, SEED)
    for side in ("psa", "google") * 15:
        script.create(side)
    scene = Scene.make(world)
    orders = random.Random(SEED)
    runs = Runs(world)
    needed = []
    for round_ in range(ROUNDS):
        if round_:
            script.cycle(most=8)
        if round_ in EXCEPTIONS_AT:
            scene.except_in(EXCEPTIONS_AT[round_])
        if round_ in ANSWERS_AT:
            scene.answer(*ANSWERS_AT[round_])
        # the users' syncs in a new order each round (an attendee's before or after Alice's)
        users = GOOGLE_USERS if round_ <= ATTENDEES_UNTIL else (ALICE,)
        needed.append([runs.until_done(email) for email in orders.sample(users, len(users))])
        script.check()  # each round ends in the expected state, with no duplicate
        if round_:
            # from the second round: an attendee's answer is read by their own sync, which in the
            # first round may have run before Alice's wrote the meeting
            scene.check()
    converged(world, script, scene)

    # The failures were met and retried: by the adapter (its log), and, where they outlasted
    # its retries, by the next run, after the run's record said what would be retried.
    assert runs.injected > 0
    retried_in_adapter = [r for r in caplog.records if "again in" in r.getMessage() or "retry" in r.getMessage()]
    assert retried_in_adapter
    failed_runs = [r.record for r in runs.reports if r.record.error is not None]
    assert failed_runs, "no failure outlasted the adapter's retry"
    assert all("retr" in (r.error or "") for r in failed_runs), [r.error for r in failed_runs]
    print(
        f"\n{ROUNDS} rounds, {len(runs.reports)} runs (per round {needed}), {runs.injected} injected faults, "
        f"{len(retried_in_adapter)} retried by the adapter, {len(failed_runs)} runs left items for the next run; "
        f"{len(script.items)} items, {len(script.deleted)} deleted, {script.edits} edits; "
        f"Alice's requests {world.server.state.request_counts().get(ALICE)}"
    )


def _psa_edit(world: World, guid: str, **changes: object) -> None:
    with world.tandem.db.write() as session:
        row = lookup.get(session, ActivityRow, guid)
        activities.update(session, row, draft_of(row, **changes), factories.ACTOR)


def test_cal_17_an_outage_while_one_item_is_planned_again_does_not_stop_the_run(world: World) -> None:
    """An item whose PSA write meets a newer version is read again and planned again; when
    Google fails that read, the item waits for the next run, and the run goes on, records
    itself and says so (it used to end with the exception, unrecorded)."""
    guid = world.create(ALICE, "Quarterly review", soon(2))
    world.sync(ALICE)
    google = world.calendar(ALICE)
    assert google.patch(event_id_for(guid), {"summary": "Quarterly review (moved to Friday)"}).status_code == 200
    assert google.insert(event_body("Made in Google", soon(3))).status_code == 200
    _psa_edit(world, guid, is_closed=True)  # a PSA-only field: read from the hub, nothing to send
    state = world.server.state

    def meanwhile() -> None:
        """While Google holds back its answer to the calendar read, the activity changes
        in the PSA (so the planned write meets a newer version) and Google goes down."""
        deadline = time.monotonic() + 30
        while state.faults.injected == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        _psa_edit(world, guid, location="Room 12")
        state.set_faults(FaultRule(error_503=1.0))

    helper = threading.Thread(target=meanwhile)
    helper.start()
    runs = Runs(world)
    try:
        report = runs.once(FaultRule(slow=1.0, delay_seconds=1.0, limit=1))
    finally:
        helper.join()
    assert report.record.counts.failed == 1
    assert "will be retried" in (report.record.error or "")
    assert report.record.counts.activities_created == 1  # the other item went on
    assert [a.name for a in world.activities()] == ["Made in Google", "Quarterly review"]

    assert runs.once(FaultRule()).record.error is None  # Google is back
    review = world.activity("Quarterly review (moved to Friday)")
    assert (review.location, review.is_closed) == ("Room 12", True)
    event = google.get(f"/{event_id_for(guid)}").json()
    assert (event["summary"], event["location"]) == ("Quarterly review (moved to Friday)", "Room 12")
    assert world.titles(ALICE) == ["Made in Google", "Quarterly review (moved to Friday)"]
