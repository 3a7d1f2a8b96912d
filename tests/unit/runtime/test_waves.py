"""`execute.waves`: within one run, a series made on either side is written before the
occurrences changed in it (CAL-9)."""

from __future__ import annotations

from datetime import UTC, datetime

from tandem.domain.activity import Activity, ActivityCategory
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.runtime.execute import waves
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


def _plan(*actions: act.Action) -> ItemPlan:
    return ItemPlan(None, None, None, actions)


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
