"""The sync activity's numbers, without a page: runs per hour (`chart.by_hour`), the bars'
layout (`chart.bars`), and when a user's sync last went through (`status.last_success`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tandem.connectors.memory.state import MemorySyncStateStore as EmptyStore
from tandem.domain.schedule import UserSchedule
from tandem.domain.syncstate import RunCounts, RunRecord
from tandem.runtime.status import last_success, user_status
from tandem.web import chart

NOW = datetime(2026, 12, 4, 14, 25, tzinfo=UTC)


def run(started: datetime, took_s: float | None, **counts: int) -> RunRecord:
    finished = None if took_s is None else started + timedelta(seconds=took_s)
    return RunRecord("u-1", "u@example.com", started, finished, RunCounts(**counts))


def test_bey_4_runs_are_summed_per_hour_of_the_last_24_hours() -> None:
    runs = [
        run(datetime(2026, 12, 4, 14, 1, tzinfo=UTC), 1.0, events_created=2, linked=5),  # linking is no change
        run(datetime(2026, 12, 4, 14, 20, tzinfo=UTC), 3.0, activities_deleted=1),
        run(datetime(2026, 12, 4, 13, 59, tzinfo=UTC), None),  # never finished: counted, no time
        run(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), 2.0, events_updated=1),  # the first hour
        run(datetime(2026, 12, 3, 14, 59, tzinfo=UTC), 9.0, events_updated=7),  # 24 h + 1 min ago: left out
        RunRecord("u-1", "c", NOW, NOW, RunCounts(events_created=50), dry_run=True),  # a dry run changes nothing
    ]
    hours = chart.by_hour(runs, NOW)
    assert len(hours) == 24
    assert (hours[0].start, hours[-1].start) == (
        datetime(2026, 12, 3, 15, tzinfo=UTC),
        datetime(2026, 12, 4, 14, tzinfo=UTC),
    )
    last, before = hours[-1], hours[-2]
    assert (last.runs, last.changes, last.mean_s, last.slowest_s) == (2, 3, 2.0, 3.0)
    assert (before.runs, before.changes, before.mean_s, before.slowest_s) == (1, 0, None, None)
    assert (hours[0].runs, hours[0].changes) == (1, 1)
    assert sum(h.runs for h in hours) == 4


def test_a_failed_or_halted_run_counts_as_failed() -> None:
    started = NOW - timedelta(minutes=5)
    failed = RunRecord("u-1", "c", started, started, error="boom")
    halted = RunRecord("u-1", "c", started, started, halted_reason="too many deletions")
    (hour,) = chart.by_hour([failed, halted, run(started, 1.0)], NOW, hours=1)
    assert (hour.runs, hour.failed) == (3, 2)


def test_bars_scale_to_the_largest_value_and_skip_hours_without_runs() -> None:
    starts = [NOW - timedelta(hours=2 - i) for i in range(3)]
    drawn = chart.bars([4.0, None, 2.0], starts, "changes")
    tall, short = drawn.bars
    assert tall.height == drawn.base_y - chart.TOP  # the largest fills the plot
    assert short.height == tall.height / 2
    assert tall.y + tall.height == short.y + short.height == drawn.base_y  # both stand on the axis
    assert short.x > tall.x
    assert (tall.title, drawn.top.text) == (f"{starts[0]:%H}:00: 4 changes", "4")
    assert [label.text for label in drawn.hour_labels] == [f"{starts[0]:%H}"]  # every sixth hour


def test_an_empty_chart_has_no_bars_and_a_scale_of_one() -> None:
    drawn = chart.bars([None, None], [NOW, NOW], "s")
    assert drawn.bars == []
    assert drawn.top.text == "1"


def test_the_last_success_is_the_latest_clean_run_or_the_schedules_note() -> None:
    clean = run(NOW - timedelta(hours=3), 1.0)
    failed = RunRecord("u-1", "c", NOW - timedelta(hours=1), NOW - timedelta(hours=1), error="boom")
    dry = RunRecord("u-1", "c", NOW, NOW, dry_run=True)
    assert last_success([dry, failed, clean], None) == clean.finished_at
    noted = UserSchedule("u-1", NOW, last_success_at=NOW - timedelta(minutes=10))
    assert last_success([dry, failed, clean], noted) == NOW - timedelta(minutes=10)
    assert last_success([failed], None) is None


def test_the_next_run_is_the_end_of_a_back_off_that_outlasts_the_cycle() -> None:
    due = NOW + timedelta(seconds=30)
    backoff = NOW + timedelta(minutes=8)
    status = user_status(EmptyStore(), UserSchedule("u-1", due, failures=3, backoff_until=backoff), "u-1", "U@x.com")
    assert status.next_run == backoff
    assert user_status(EmptyStore(), UserSchedule("u-1", due), "u-1", None).next_run == due
    assert user_status(EmptyStore(), None, "u-1", None).next_run is None
