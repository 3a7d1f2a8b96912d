"""`execute.waves`: within one run, a series written on either side is written before the
occurrences changed in it, and they wait for the next run when its write did not finish (CAL-9)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import cast

from tandem.domain.activity import Activity, ActivityCategory
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.runtime.execute import Executor, ItemResult, Outcome, execute_all, waves
from tandem.sync import actions as act
from tandem.sync.ids import event_id_for, occurrence_event_id
from tandem.sync.plan import ItemPlan

SERIES = "00000000-0000-4000-8000-000000000001"
OTHER = "00000000-0000-4000-8000-000000000002"
EXCEPTION = "00000000-0000-4000-8000-000000000003"
T0 = datetime(2030, 1, 7, 9, tzinfo=UTC)


def _activity(guid: str, parent: str | None = None) -> Activity:
    return Activity(
        guid=guid, name="Standup", start=T0, end=T0, time_zone="UTC", type_guid="t",
        category=ActivityCategory.CALENDAR_ENTRY, owner_guid="u", recurrence_parent_guid=parent,
        original_start=T0 if parent else None,
    )  # fmt: skip


def _plan(*actions: act.Action, event_id: str | None = None) -> ItemPlan:
    return ItemPlan(None, event_id, None, actions)


def test_cal_9_occurrences_of_a_series_made_in_the_same_run_come_second() -> None:
    series_id = event_id_for(SERIES)
    occurrence = occurrence_event_id(series_id, T0)
    plans = [
        _plan(
            act.UpdateEvent(
                "c", CalendarEvent(occurrence, recurring_event_id=series_id), None, SendUpdates.ALL, frozenset()
            )
        ),
        _plan(act.CreateEvent("c", CalendarEvent(series_id), SendUpdates.ALL)),
        _plan(act.CreateActivity(_activity(EXCEPTION, parent=OTHER))),
        _plan(act.CreateActivity(_activity(OTHER))),
        _plan(act.DeleteEvent("c", occurrence_event_id(event_id_for(OTHER), T0), None, SendUpdates.ALL)),
    ]
    assert waves(plans) == ([1, 3, 4], [0, 2])


def test_cal_9_occurrences_of_series_that_already_exist_go_in_the_first_wave() -> None:
    series_id = event_id_for(SERIES)
    plans = [
        _plan(act.DeleteEvent("c", occurrence_event_id(series_id, T0), None, SendUpdates.ALL)),
        _plan(act.CreateActivity(_activity(EXCEPTION, parent=SERIES))),
    ]
    assert waves(plans) == ([0, 1], [])


def _series_update_and_occurrence_delete() -> list[ItemPlan]:
    """A series gains EXDATEs while one of its moved occurrences is deleted: deleted first, the
    occurrence would change the series (the calendar folds it into its EXDATEs) under the
    series' own write, which would then fail on its etag (found by the state machine)."""
    series_id = event_id_for(SERIES)
    occurrence = occurrence_event_id(series_id, T0)
    return [
        _plan(act.DeleteEvent("c", occurrence, '"4"', SendUpdates.ALL), event_id=occurrence),
        _plan(
            act.UpdateEvent("c", CalendarEvent(series_id), '"2"', SendUpdates.ALL, frozenset({"recurrence"})),
            event_id=series_id,
        ),
        _plan(act.DeleteActivity(OTHER, 3), event_id=event_id_for(OTHER)),
    ]


def test_cal_9_an_occurrence_of_a_series_written_in_the_same_run_comes_second() -> None:
    assert waves(_series_update_and_occurrence_delete()) == ([1, 2], [0])


class _Series412:
    """An executor whose series write does not finish this run; it records what it ran."""

    def __init__(self, series_outcome: Outcome) -> None:
        self.series_outcome = series_outcome
        self.ran: list[str | None] = []

    async def run(self, plan: ItemPlan) -> ItemResult:
        self.ran.append(plan.event_id)
        outcome = self.series_outcome if plan.event_id == event_id_for(SERIES) else Outcome.SETTLED
        return ItemResult(plan, outcome, error=None if outcome is Outcome.SETTLED else "the calendar is unavailable")


def test_cal_9_occurrences_wait_for_the_next_run_when_their_series_write_did_not_finish() -> None:
    plans = _series_update_and_occurrence_delete()
    executor = _Series412(Outcome.UNFINISHED)
    results = asyncio.run(execute_all(cast(Executor, executor), plans))
    assert executor.ran == [event_id_for(SERIES), event_id_for(OTHER)]  # the occurrence's delete was not sent
    assert [r.outcome for r in results] == [Outcome.UNFINISHED, Outcome.UNFINISHED, Outcome.SETTLED]
    assert results[0].error == "waits for its series to be written"


def test_cal_9_a_quarantined_series_does_not_hold_back_its_occurrences() -> None:
    plans = _series_update_and_occurrence_delete()
    executor = _Series412(Outcome.QUARANTINED)
    results = asyncio.run(execute_all(cast(Executor, executor), plans))
    assert executor.ran == [event_id_for(SERIES), event_id_for(OTHER), occurrence_event_id(event_id_for(SERIES), T0)]
    assert [r.outcome for r in results] == [Outcome.SETTLED, Outcome.QUARANTINED, Outcome.SETTLED]
