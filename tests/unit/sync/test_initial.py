"""Initial matching (CAL-10): a user's first sync links what already exists on both sides."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tandem.domain.activity import Recurrence
from tandem.sync import actions as act
from tandem.sync.ids import event_id_for
from tandem.sync.initial import initial_match
from tandem.sync.plan import plan_user

from .builders import GUID_1, GUID_2, NOW, activity, at, context, event

FIRST_SYNC = context(initial=True, calendar_full_read=True)


def _by_item(plan_items: object) -> dict[tuple[str | None, str | None], list[type]]:
    return {(p.activity_guid, p.event_id): [type(a) for a in p.actions] for p in plan_items}  # type: ignore[attr-defined]


def test_cal_10_initial_sync_links_existing_pairs() -> None:
    existing_activity = activity(name="Board meeting")
    existing_event = event("m0sfp3kq9h", summary="Board meeting")
    plan = plan_user(activities=[existing_activity], events=[existing_event], linked=[], ctx=FIRST_SYNC, now=NOW)
    (item,) = plan.items
    assert (item.activity_guid, item.event_id) == (GUID_1, "m0sfp3kq9h")
    assert [type(a) for a in item.actions] == [act.SaveBase]  # linked, nothing written, nothing duplicated


def test_cal_10_a_subject_spelled_loosely_still_pairs() -> None:
    existing_event = event("m0sfp3kq9h", summary=" board MEETING", updated=at(1, 9))
    plan = plan_user(
        activities=[activity(name="Board meeting")], events=[existing_event], linked=[], ctx=FIRST_SYNC, now=NOW
    )
    (item,) = plan.items  # one item: paired, not duplicated; the newer spelling wins
    assert not any(isinstance(a, (act.CreateEvent, act.CreateActivity)) for a in item.actions)
    assert [a.activity.name for a in item.actions if isinstance(a, act.UpdateActivity)] == [" board MEETING"]


def test_cal_10_a_pair_must_match_start_end_and_recurrence() -> None:
    a = activity(recurrence=Recurrence("FREQ=WEEKLY;COUNT=4"))
    others = [
        event("m0diff0001", start=at(5, 9), end=at(5, 10)),
        event("m0diff0002", end=at(5, 10)),
        event("m0diff0003", recurrence=Recurrence("FREQ=DAILY;COUNT=4")),
        event("m0diff0004"),
    ]
    match = initial_match([a], others, FIRST_SYNC, NOW)
    assert match.pairs == ()
    assert match.activities == (a,)
    same = event("m0same0001", recurrence=Recurrence("RRULE:COUNT=4;FREQ=WEEKLY"))
    assert initial_match([a], [*others, same], FIRST_SYNC, NOW).pairs == ((a, same),)


def test_cal_10_what_does_not_pair_becomes_a_create_on_the_other_side() -> None:
    lone_activity = activity(name="Only in the PSA")
    lone_event = event("m0lone0001", summary="Only in the calendar")
    plan = plan_user(activities=[lone_activity], events=[lone_event], linked=[], ctx=FIRST_SYNC, now=NOW)
    kinds = _by_item(plan.items)
    assert kinds[(GUID_1, event_id_for(GUID_1))] == [act.SaveIntent, act.CreateEvent, act.SaveBase]
    created = [k for (_, event_id), k in kinds.items() if event_id == "m0lone0001"]
    assert created == [[act.SaveIntent, act.CreateActivity, act.SaveBase]]


def test_cal_10_matching_is_one_to_one() -> None:
    twins = [activity(GUID_1), activity(GUID_2)]
    plan = plan_user(activities=twins, events=[event("m0sfp3kq9h")], linked=[], ctx=FIRST_SYNC, now=NOW)
    kinds = sorted([type(a).__name__ for a in p.actions] for p in plan.items)
    assert kinds == [["SaveBase"], ["SaveIntent", "CreateEvent", "SaveBase"]]


def test_cal_10_a_pair_that_differs_elsewhere_settles_on_the_newer_and_keeps_both() -> None:
    a = activity(notes="PSA agenda", updated_at=at(1, 8))
    e = event("m0sfp3kq9h", description="Calendar agenda", updated=at(1, 9))
    (item,) = plan_user(activities=[a], events=[e], linked=[], ctx=FIRST_SYNC, now=NOW).items
    conflicts = [x for x in item.actions if isinstance(x, act.RecordConflict)]
    updates = [x for x in item.actions if isinstance(x, act.UpdateActivity)]
    assert [c.conflict.fields for c in conflicts] == [("description",)]
    assert [u.activity.notes for u in updates] == ["Calendar agenda"]


def test_cal_10_old_items_are_neither_matched_nor_created() -> None:
    end = NOW - timedelta(days=45)
    old_activity = activity(start=end - timedelta(hours=1), end=end)
    old_event = event("m0sfp3kq9h", start=end - timedelta(hours=1), end=end)
    plan = plan_user(activities=[old_activity], events=[old_event], linked=[], ctx=FIRST_SYNC, now=NOW)
    assert plan.is_empty
    reasons = sorted(a.reason[:6] for p in plan.items for a in p.actions if isinstance(a, act.Skip))
    assert reasons == ["CAL-10", "CAL-11"]


def test_cal_10_after_the_initial_sync_nothing_is_matched_by_content() -> None:
    later = replace(FIRST_SYNC, initial=False, calendar_full_read=False)
    plan = plan_user(activities=[activity()], events=[event("m0sfp3kq9h")], linked=[], ctx=later, now=NOW)
    kinds = sorted(tuple(type(a).__name__ for a in p.actions) for p in plan.items)
    assert kinds == [("SaveIntent", "CreateActivity", "SaveBase"), ("SaveIntent", "CreateEvent", "SaveBase")]
