"""Three-way merge against the base snapshot (BEY-2), through the planner and directly."""

from __future__ import annotations

from dataclasses import replace

from tandem.domain.activity import Recurrence
from tandem.domain.calendar import Attendee, EventStatus, ResponseStatus
from tandem.domain.syncstate import ConflictWinner, SyncedFields
from tandem.sync import actions as act
from tandem.sync.mapping import fields_from_activity
from tandem.sync.merge import Refs, merge, winner_of
from tandem.sync.plan import Item, plan_item

from .builders import ANN_EMAIL, NOW, activity, at, context, event, external, linked_to

CTX = context()


def _plan(psa_changes: dict[str, object], cal_changes: dict[str, object], **base: object) -> tuple[act.Action, ...]:
    a = activity(**base)  # type: ignore[arg-type]
    return plan_item(Item(replace(a, **psa_changes), event(**cal_changes), linked_to(a)), CTX, NOW).actions


def _only(actions: tuple[act.Action, ...], kind: type) -> list[act.Action]:
    return [a for a in actions if isinstance(a, kind)]


def test_bey_2_each_side_keeps_the_field_it_changed() -> None:
    actions = _plan({"name": "Renamed", "updated_at": at(2, 8)}, {"location": "Room 2", "updated": at(2, 9)})
    (to_calendar,) = _only(actions, act.UpdateEvent)
    (to_psa,) = _only(actions, act.UpdateActivity)
    assert isinstance(to_calendar, act.UpdateEvent)
    assert isinstance(to_psa, act.UpdateActivity)
    assert to_calendar.fields == {"summary"}
    assert (to_calendar.event.summary, to_calendar.event.location) == ("Renamed", "Room 2")
    assert to_psa.fields == {"location"}
    assert (to_psa.activity.name, to_psa.activity.location) == ("Renamed", "Room 2")
    assert not _only(actions, act.RecordConflict)
    (save,) = _only(actions, act.SaveBase)
    assert isinstance(save, act.SaveBase)
    assert (save.base.fields.summary, save.base.fields.location) == ("Renamed", "Room 2")


def test_bey_2_the_same_change_on_both_sides_writes_nothing_back() -> None:
    actions = _plan({"name": "Same"}, {"summary": "Same"})
    assert [type(a) for a in actions] == [act.SaveBase]


def test_bey_2_a_true_conflict_goes_to_the_newer_side_and_is_recorded() -> None:
    actions = _plan(
        {"notes": "PSA notes", "updated_at": at(2, 8)}, {"description": "Calendar notes", "updated": at(2, 9)}
    )
    (record,) = _only(actions, act.RecordConflict)
    assert isinstance(record, act.RecordConflict)
    conflict = record.conflict
    assert conflict.fields == ("description",)
    assert conflict.winner is ConflictWinner.CALENDAR
    assert conflict.psa.description == "PSA notes"
    assert conflict.calendar.description == "Calendar notes"
    assert conflict.base is not None
    assert conflict.base.description == "Agenda"
    (update,) = _only(actions, act.UpdateActivity)
    assert isinstance(update, act.UpdateActivity)
    assert update.activity.notes == "Calendar notes"
    assert not _only(actions, act.UpdateEvent)


def test_bey_2_a_tie_goes_to_the_psa() -> None:
    actions = _plan(
        {"notes": "PSA notes", "updated_at": at(2, 8)}, {"description": "Calendar notes", "updated": at(2, 8)}
    )
    (update,) = _only(actions, act.UpdateEvent)
    assert isinstance(update, act.UpdateEvent)
    assert update.event.description == "PSA notes"
    assert winner_of(None, None) is ConflictWinner.PSA
    assert winner_of(at(1, 1), None) is ConflictWinner.PSA
    assert winner_of(None, at(1, 1)) is ConflictWinner.CALENDAR


def test_bey_2_the_same_conflict_after_a_crash_is_one_record() -> None:
    first = _plan({"notes": "P", "updated_at": at(2, 8)}, {"description": "C", "updated": at(2, 9)})
    again = _plan({"notes": "P", "updated_at": at(2, 8)}, {"description": "C", "updated": at(2, 9)})
    ids = {a.conflict.id for a in (*first, *again) if isinstance(a, act.RecordConflict)}
    assert len(ids) == 1


def test_bey_2_start_and_end_move_together() -> None:
    a = activity()
    moved_in_psa = replace(a, start=at(5, 10), end=at(5, 11), updated_at=at(2, 8))
    longer_in_calendar = event(end=at(5, 12), updated=at(2, 9))
    actions = plan_item(Item(moved_in_psa, longer_in_calendar, linked_to(a)), CTX, NOW).actions
    (record,) = _only(actions, act.RecordConflict)
    assert isinstance(record, act.RecordConflict)
    assert record.conflict.fields == ("timing",)
    (update,) = _only(actions, act.UpdateActivity)
    assert isinstance(update, act.UpdateActivity)
    assert (update.activity.start, update.activity.end) == (at(5, 8), at(5, 12))  # the calendar's span, whole


def test_bey_2_attendees_merge_one_by_one() -> None:
    a = activity(participants=(external("old@outside.example"),))
    psa = replace(a, participants=(*a.participants, external("ann2@outside.example")), updated_at=at(2, 8))
    cal = event(attendees=(Attendee("new@outside.example"),), updated=at(2, 9))  # removed "old", added "new"
    actions = plan_item(Item(psa, cal, linked_to(a)), CTX, NOW).actions
    assert not _only(actions, act.RecordConflict)
    (save,) = _only(actions, act.SaveBase)
    assert isinstance(save, act.SaveBase)
    assert [x.email for x in save.base.fields.attendees] == ["ann2@outside.example", "new@outside.example"]
    (update,) = _only(actions, act.UpdateActivity)
    assert isinstance(update, act.UpdateActivity)
    assert {p.email for p in update.activity.participants} == {"ann2@outside.example", "new@outside.example"}


def test_bey_2_an_edit_beats_a_deletion_on_the_other_side() -> None:
    a = activity()
    gone_in_calendar = plan_item(
        Item(replace(a, name="Edited"), event(status=EventStatus.CANCELLED, etag='"e9"'), linked_to(a)), CTX, NOW
    )
    (restore,) = _only(gone_in_calendar.actions, act.RestoreEvent)
    assert isinstance(restore, act.RestoreEvent)
    assert (restore.event.status, restore.event.summary, restore.if_match) == (EventStatus.CONFIRMED, "Edited", '"e9"')
    gone_in_psa = plan_item(Item(replace(a, deleted=True), event(summary="Edited"), linked_to(a)), CTX, NOW)
    (revive,) = _only(gone_in_psa.actions, act.RestoreActivity)
    assert isinstance(revive, act.RestoreActivity)
    assert (revive.activity.deleted, revive.activity.name, revive.expected_version) == (False, "Edited", 3)


def test_bey_2_an_unchanged_side_follows_the_other_sides_deletion() -> None:
    a = activity()
    plan = plan_item(Item(a, event(status=EventStatus.CANCELLED), linked_to(a)), CTX, NOW)
    assert [type(x) for x in plan.actions] == [act.DeleteActivity, act.Unlink]


def test_bey_2_response_status_only_flows_from_the_calendar() -> None:
    base = fields_from_activity(activity(participants=(external("jane@outside.example"),)), CTX, ANN_EMAIL)
    accepted_in_calendar = replace(base, attendees=(replace(base.attendees[0], response=ResponseStatus.ACCEPTED),))
    declined_in_psa = replace(base, attendees=(replace(base.attendees[0], response=ResponseStatus.DECLINED),))
    result = merge(declined_in_psa, accepted_in_calendar, Refs.of(base), ConflictWinner.PSA)
    assert result.to_calendar == frozenset()
    assert result.status_updates == {"jane@outside.example"}
    assert result.fields.attendees[0].response is ResponseStatus.ACCEPTED
    quiet = merge(declined_in_psa, base, Refs.of(base), ConflictWinner.PSA)
    assert (quiet.to_calendar, quiet.to_psa) == (frozenset(), frozenset())


def _series(*cancelled: int) -> SyncedFields:
    """A weekly series' synced fields with the occurrences of the given weeks cancelled."""
    return fields_from_activity(
        activity(recurrence=Recurrence("FREQ=WEEKLY;COUNT=4", exdates=tuple(at(5 + 7 * w, 8) for w in cancelled))),
        CTX,
        ANN_EMAIL,
    )


def test_cal_9_cancelled_occurrences_merge_one_by_one() -> None:
    base = _series()
    result = merge(_series(1), _series(2), Refs.of(base), ConflictWinner.PSA)
    assert result.fields.recurrence == _series(1, 2).recurrence
    assert not result.conflicts


def test_cal_9_a_cancellation_an_interrupted_write_carried_is_kept_beside_a_newer_one() -> None:
    """The run that was carrying the calendar's cancellation of week 0 to the PSA died; since,
    the PSA cancelled week 1. Both stand: the PSA's list does not replace the target's."""
    carried = Refs(psa=_series(), calendar=_series(0), target=_series(0))
    result = merge(_series(1), _series(0), carried, ConflictWinner.PSA)
    assert result.fields.recurrence == _series(0, 1).recurrence
    assert result.to_psa == {"recurrence"}
    assert result.to_calendar == {"recurrence"}


def test_cal_9_a_changed_rule_merges_as_a_whole() -> None:
    base = _series()
    other_rule = replace(_series(2), recurrence=Recurrence("FREQ=WEEKLY;COUNT=6", exdates=()))
    result = merge(_series(1), other_rule, Refs.of(base), ConflictWinner.CALENDAR)
    assert result.fields.recurrence == other_rule.recurrence
    assert result.conflicts == ("recurrence",)
