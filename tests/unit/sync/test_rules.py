"""What is sent, what is left alone, and who is notified (CAL-5, 10, 11, 12, 16)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tandem.domain.activity import ActivityCategory, Recurrence
from tandem.domain.calendar import CalendarEvent, EventStatus, SendUpdates
from tandem.domain.syncstate import LinkedItem
from tandem.sync import actions as act
from tandem.sync.plan import NOT_READ, Item, plan_item, plan_user
from tandem.sync.rules import comes_into_the_psa, send_updates_for

from .builders import (
    INTERNAL,
    MEETING,
    NOW,
    PERSONAL,
    TASK,
    activity,
    at,
    context,
    event,
    external,
    linked_to,
)

CTX = context()


def _kinds(plan_actions: tuple[act.Action, ...]) -> list[type]:
    return [type(a) for a in plan_actions]


def _skip_reason(actions: tuple[act.Action, ...]) -> str:
    (skip,) = actions
    assert isinstance(skip, act.Skip)
    return skip.reason


# ---------------------------------------------------------------- CAL-5 type filter


def test_cal_5_an_activity_of_a_type_not_chosen_is_not_sent() -> None:
    plan = plan_item(Item(activity(type_guid=INTERNAL), None), CTX, NOW)
    assert _skip_reason(plan.actions).startswith("CAL-5")


def test_cal_5_every_calendar_entry_comes_in_whatever_the_default_type() -> None:
    ctx = context(default_type_guid=INTERNAL)
    plan = plan_item(Item(None, event("m0sfp3kq9h")), ctx, NOW)
    (create,) = [a for a in plan.actions if isinstance(a, act.CreateActivity)]
    assert isinstance(create, act.CreateActivity)
    assert create.activity.type_guid == INTERNAL


def test_cal_5_a_type_leaving_the_set_removes_the_event_quietly_and_the_psa_keeps_it() -> None:
    a = activity()
    moved_out = replace(a, type_guid=INTERNAL, version=4)
    plan = plan_item(Item(moved_out, event(), linked_to(a)), CTX, NOW)
    assert _kinds(plan.actions) == [act.DeleteEvent, act.Unlink]
    delete = plan.actions[0]
    assert isinstance(delete, act.DeleteEvent)
    assert (delete.send_updates, delete.if_match) == (SendUpdates.NONE, '"e1"')
    # Unlinked now, the activity stays out of the calendar: its cancelled event is not restored.
    again = plan_item(Item(moved_out, event(status=EventStatus.CANCELLED, updated=at(2, 8))), CTX, NOW)
    assert _skip_reason(again.actions).startswith("CAL-5")


def test_cal_5_an_entry_from_the_calendar_with_an_unchosen_type_keeps_syncing() -> None:
    ctx = context(default_type_guid=INTERNAL)
    a = activity(type_guid=INTERNAL)
    plan = plan_item(Item(replace(a, name="Renamed"), NOT_READ, linked_to(a, ctx)), ctx, NOW)
    assert _kinds(plan.actions) == [act.SaveIntent, act.UpdateEvent, act.SaveBase]


def test_cal_5_a_type_coming_back_into_the_set_brings_the_event_back() -> None:
    a = activity(updated_at=at(3, 8))
    cancelled_earlier = event(status=EventStatus.CANCELLED, updated=at(2, 8), etag='"e7"')
    plan = plan_item(Item(a, cancelled_earlier), CTX, NOW)
    assert _kinds(plan.actions) == [act.SaveIntent, act.RestoreEvent, act.SaveBase]


# ---------------------------------------------------------------- CAL-11 past, CAL-12 tasks


def test_cal_11_a_past_activity_is_not_sent() -> None:
    past = activity(start=NOW - timedelta(hours=3), end=NOW - timedelta(hours=2))
    assert _skip_reason(plan_item(Item(past, None), CTX, NOW).actions).startswith("CAL-11")


def test_cal_11_a_past_activity_moved_into_the_future_is_sent_then() -> None:
    past = activity(start=NOW - timedelta(hours=3), end=NOW - timedelta(hours=2))
    moved = replace(past, start=NOW + timedelta(days=1), end=NOW + timedelta(days=1, hours=1))
    plan = plan_item(Item(moved, None), CTX, NOW)
    assert _kinds(plan.actions) == [act.SaveIntent, act.CreateEvent, act.SaveBase]


def test_cal_11_a_series_with_occurrences_to_come_is_not_past() -> None:
    started = activity(
        start=NOW - timedelta(days=20), end=NOW - timedelta(days=20) + timedelta(hours=1),
        recurrence=Recurrence("FREQ=WEEKLY;COUNT=10"),
    )  # fmt: skip
    assert act.CreateEvent in _kinds(plan_item(Item(started, None), CTX, NOW).actions)
    over = replace(started, recurrence=Recurrence("FREQ=WEEKLY;COUNT=2"))
    assert _skip_reason(plan_item(Item(over, None), CTX, NOW).actions).startswith("CAL-11")


def test_cal_11_an_all_day_activity_ending_today_is_past_only_after_midnight() -> None:
    today = NOW.date()  # noon UTC, 14:00 in Helsinki
    current = activity(start=today, end=today + timedelta(days=1))
    assert act.CreateEvent in _kinds(plan_item(Item(current, None), CTX, NOW).actions)
    yesterday = activity(start=today - timedelta(days=1), end=today)
    assert _skip_reason(plan_item(Item(yesterday, None), CTX, NOW).actions).startswith("CAL-11")


def test_cal_12_a_project_task_is_never_sent_even_if_its_type_is_chosen() -> None:
    task = activity(type_guid=TASK, category=ActivityCategory.TASK)
    assert TASK in CTX.synced_type_guids
    assert _skip_reason(plan_item(Item(task, None), CTX, NOW).actions).startswith("CAL-12")


# ---------------------------------------------------------------- CAL-10 windows


def _ended(days_ago: int) -> dict[str, object]:
    end = NOW - timedelta(days=days_ago)
    return {"start": end - timedelta(hours=1), "end": end}


def test_cal_10_an_entry_older_than_the_cutoff_is_left_alone_at_the_initial_sync() -> None:
    ctx = context(initial=True, calendar_full_read=True)
    old = plan_item(Item(None, event("m0old00001", **_ended(40))), ctx, NOW)
    assert _skip_reason(old.actions).startswith("CAL-10")
    recent = plan_item(Item(None, event("m0new00001", **_ended(10))), ctx, NOW)
    assert act.CreateActivity in _kinds(recent.actions)


def test_cal_10_an_old_series_with_future_occurrences_still_comes_in() -> None:
    ctx = context(initial=True, calendar_full_read=True)
    daily = Recurrence("FREQ=DAILY")
    plan = plan_item(Item(None, event("m0ser00001", recurrence=daily, **_ended(400))), ctx, NOW)
    assert act.CreateActivity in _kinds(plan.actions)
    finished = Recurrence("FREQ=DAILY;UNTIL=20290101T000000Z")
    plan = plan_item(Item(None, event("m0ser00002", recurrence=finished, **_ended(400))), ctx, NOW)
    assert _skip_reason(plan.actions).startswith("CAL-10")


def test_cal_10_the_window_applies_to_a_full_read_after_the_initial_sync_too() -> None:
    full_read = context(calendar_full_read=True)
    assert _skip_reason(plan_item(Item(None, event("m0old00001", **_ended(40))), full_read, NOW).actions)
    incremental = context()
    assert act.CreateActivity in _kinds(
        plan_item(Item(None, event("m0old00001", **_ended(40))), incremental, NOW).actions
    )


def test_cal_10_the_cutoff_is_configurable() -> None:
    ctx = context(initial=True, cutoff_days=60)
    plan = plan_item(Item(None, event("m0old00001", **_ended(40))), ctx, NOW)
    assert act.CreateActivity in _kinds(plan.actions)


def test_cal_10_all_day_entries_in_the_window_by_date() -> None:
    ctx = context(initial=True)
    edge = NOW.date() - timedelta(days=29)
    plan = plan_item(Item(None, event("m0day00001", start=edge - timedelta(days=1), end=edge)), ctx, NOW)
    assert act.CreateActivity in _kinds(plan.actions)
    old = date(2029, 1, 1)
    plan = plan_item(Item(None, event("m0day00002", start=old, end=old + timedelta(days=1))), ctx, NOW)
    assert _skip_reason(plan.actions).startswith("CAL-10")


# ---------------------------------------------------------------- CAL-16 notifications


def test_cal_16_create_change_and_delete_from_the_psa_notify_everyone() -> None:
    a = activity(participants=(external("jane@outside.example"),))
    (create,) = [x for x in plan_item(Item(a, None), CTX, NOW).actions if isinstance(x, act.CreateEvent)]
    assert isinstance(create, act.CreateEvent)
    assert create.send_updates is SendUpdates.ALL
    changed = plan_item(Item(replace(a, location="Room 9"), NOT_READ, linked_to(a)), CTX, NOW).actions
    (update,) = [x for x in changed if isinstance(x, act.UpdateEvent)]
    assert isinstance(update, act.UpdateEvent)
    assert update.send_updates is SendUpdates.ALL
    deleted = plan_item(Item(replace(a, deleted=True), NOT_READ, linked_to(a)), CTX, NOW).actions
    (delete,) = [x for x in deleted if isinstance(x, act.DeleteEvent)]
    assert isinstance(delete, act.DeleteEvent)
    assert delete.send_updates is SendUpdates.ALL


def test_cal_16_a_change_only_to_psa_only_fields_writes_nothing() -> None:
    a = activity()
    changed = replace(a, customer_guid="c-2", project_guid="p-2", phase_guid="f-2", is_closed=True, version=9)
    assert plan_item(Item(changed, NOT_READ, linked_to(a)), CTX, NOW).actions == ()


def test_cal_16_a_type_change_that_makes_an_entry_private_notifies_no_one() -> None:
    a = activity(participants=(external("jane@outside.example"),))
    personal = replace(a, type_guid=PERSONAL, category=ActivityCategory.PERSONAL)
    actions = plan_item(Item(personal, NOT_READ, linked_to(a)), CTX, NOW).actions
    (update,) = [x for x in actions if isinstance(x, act.UpdateEvent)]
    assert isinstance(update, act.UpdateEvent)
    assert (update.fields, update.send_updates, update.event.private) == ({"private"}, SendUpdates.NONE, True)


def test_cal_16_a_change_that_came_from_the_calendar_is_not_echoed_back() -> None:
    a = activity()
    moved = event(location="Room 7", updated=at(2, 9))
    first = plan_item(Item(a, moved, linked_to(a)), CTX, NOW).actions
    assert _kinds(first) == [act.SaveIntent, act.UpdateActivity, act.SaveBase]
    update, save = first[1], first[2]
    assert isinstance(update, act.UpdateActivity)
    assert isinstance(save, act.SaveBase)
    # The hub reports our own write back; the calendar reports the same event again.
    written = replace(update.activity, version=4)
    settled = save.settled(moved, written)
    after = plan_item(Item(written, moved, LinkedItem(settled.link, settled.base)), CTX, NOW)
    assert after.actions == ()


def test_cal_16_the_policy_table() -> None:
    assert send_updates_for({"summary"}) is SendUpdates.ALL
    assert send_updates_for({"attendees", "private"}) is SendUpdates.ALL
    assert send_updates_for({"private"}) is SendUpdates.NONE
    assert send_updates_for(set()) is SendUpdates.NONE


def test_cal_5_plan_user_filters_each_item_on_its_own() -> None:
    chosen, other = activity(), activity("7c9d2e4f-1a3b-4c5d-8e6f-0a1b2c3d4e5f", type_guid=INTERNAL)
    plan = plan_user(activities=[chosen, other], events=[], linked=[], ctx=CTX, now=NOW)
    kinds = {p.activity_guid: _kinds(p.actions) for p in plan.items}
    assert kinds[chosen.guid] == [act.SaveIntent, act.CreateEvent, act.SaveBase]
    assert kinds[other.guid] == [act.Skip]
    assert MEETING in CTX.synced_type_guids


@pytest.mark.parametrize(
    ("event_type", "comes_in"),
    [
        ("default", True),
        ("outOfOffice", True),
        ("focusTime", True),
        ("fromGmail", True),
        ("workingLocation", False),
        ("birthday", False),
        ("someTypeGoogleAddsLater", False),  # left alone, never imported as a meeting
    ],
)
def test_bey_10_which_event_types_become_activities(event_type: str, comes_in: bool) -> None:
    assert comes_into_the_psa(CalendarEvent(id="e1", event_type=event_type)) is comes_in
