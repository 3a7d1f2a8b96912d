"""The planner with literal values: invitations, bad items, the breaker, crashes, series."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from tandem.domain.activity import ActivityCategory, Participant, ParticipantKind, ParticipantStatus, Recurrence
from tandem.domain.calendar import Attendee, EventStatus, ResponseStatus, SendUpdates
from tandem.domain.syncstate import WRITE_MARK, LinkedItem, QuarantineSide
from tandem.sync import actions as act
from tandem.sync.ids import activity_guid_for_event, event_id_for, occurrence_event_id
from tandem.sync.pairing import wanted_activity_guids
from tandem.sync.plan import NOT_READ, Item, plan_item, plan_user

from .builders import (
    ANN,
    ANN_EMAIL,
    BOB,
    BOB_EMAIL,
    GUID_1,
    MEETING,
    NOW,
    activity,
    at,
    context,
    event,
    external,
    guest,
    linked_to,
    user,
)

CTX = context()


def _kinds(actions: tuple[act.Action, ...]) -> list[type]:
    return [type(a) for a in actions]


# ---------------------------------------------------------------- CAL-17


def test_cal_17_an_entry_the_psa_cannot_hold_is_quarantined_and_the_rest_goes_on() -> None:
    broken = event("m0bad00001", start=None)
    fine = event("m0good0001")
    plan = plan_user(activities=[], events=[broken, fine], linked=[], ctx=CTX, now=NOW)
    by_event = {p.event_id: p.actions for p in plan.items}
    (quarantine,) = by_event["m0bad00001"]
    assert isinstance(quarantine, act.Quarantine)
    item = quarantine.item
    assert (item.event_id, item.side, item.retry_at) == (
        "m0bad00001",
        QuarantineSide.CALENDAR,
        NOW + CTX.quarantine_retry,
    )
    assert "no start" in item.reason
    assert act.CreateActivity in _kinds(by_event["m0good0001"])


def test_cal_17_an_activity_the_calendar_cannot_hold_is_quarantined_on_the_psa_side() -> None:
    naive = activity(start=datetime(2030, 3, 5, 8), end=datetime(2030, 3, 5, 9))
    (quarantine,) = plan_item(Item(naive, None), CTX, NOW).actions
    assert isinstance(quarantine, act.Quarantine)
    assert quarantine.item.side is QuarantineSide.PSA
    assert quarantine.item.activity_guid == GUID_1
    assert "no time zone" in quarantine.item.reason


def test_cal_17_a_cancelled_occurrence_without_its_series_is_quarantined_not_lost() -> None:
    stray = event(f"{event_id_for(GUID_1)}_20300312T080000Z", status=EventStatus.CANCELLED,
                  recurring_event_id=event_id_for(GUID_1), original_start=at(12, 8))  # fmt: skip
    (quarantine,) = plan_item(Item(None, stray), CTX, NOW).actions
    assert isinstance(quarantine, act.Quarantine)
    assert "fold" in quarantine.item.reason


# ---------------------------------------------------------------- CAL-14 invitations


def test_cal_14_an_attendee_copy_only_brings_the_users_response() -> None:
    ctx = context(user_guid=BOB, user_email=BOB_EMAIL, calendar_id=BOB_EMAIL)
    anns = activity(participants=(user(BOB, BOB_EMAIL),))  # owned by Ann
    bobs_copy = event(
        summary="Changed by no one we know", organizer_email=ANN_EMAIL,
        attendees=(Attendee(BOB_EMAIL, response_status=ResponseStatus.ACCEPTED, is_self=True),),
    )  # fmt: skip
    (update,) = plan_item(Item(anns, bobs_copy), ctx, NOW).actions
    assert isinstance(update, act.UpdateActivity)
    assert update.fields == {"attendees"}
    assert update.activity.name == anns.name
    assert [p.status for p in update.activity.participants] == [ParticipantStatus.ACCEPTED]
    again = plan_item(Item(update.activity, bobs_copy), ctx, NOW).actions
    assert _kinds(again) == [act.Skip]


def test_cal_14_a_colleagues_activity_is_written_by_their_sync_only() -> None:
    ctx = context(user_guid=BOB, user_email=BOB_EMAIL, calendar_id=BOB_EMAIL)
    anns = activity(participants=(user(BOB, BOB_EMAIL),))
    assert _kinds(plan_item(Item(anns, None), ctx, NOW).actions) == [act.Skip]
    copy_before_annss_sync = event("m0anns0001", organizer_email=ANN_EMAIL)
    assert _kinds(plan_item(Item(None, copy_before_annss_sync), ctx, NOW).actions) == [act.Skip]


def test_cal_14_several_syncing_participants_never_duplicate_an_outside_invitation() -> None:
    invitation = event("m0ext00001", organizer_email="boss@partner.example")
    ann = plan_item(Item(None, invitation), CTX, NOW)
    bob_ctx = context(user_guid=BOB, user_email=BOB_EMAIL, calendar_id=BOB_EMAIL)
    bob = plan_item(Item(None, invitation), bob_ctx, NOW)
    assert ann.activity_guid == bob.activity_guid == activity_guid_for_event("m0ext00001", "boss@partner.example")
    assert wanted_activity_guids([invitation], bob_ctx) == {ann.activity_guid}


def test_cal_14_an_outside_invitation_flows_into_the_psa_and_is_never_written_back() -> None:
    invitation = event("m0ext00001", organizer_email="boss@partner.example",
                       attendees=(Attendee(ANN_EMAIL, response_status=ResponseStatus.ACCEPTED),))  # fmt: skip
    created = plan_item(Item(None, invitation), CTX, NOW).actions
    save = created[-1]
    assert isinstance(save, act.SaveBase)
    assert save.link.organiser_email == "boss@partner.example"
    made = next(a for a in created if isinstance(a, act.CreateActivity)).activity  # type: ignore[union-attr]
    assert made.owner_guid == ANN
    linked = LinkedItem(save.link, save.base)
    edited_in_psa = replace(made, notes="my own notes", version=1)
    assert not any(
        isinstance(a, act.UpdateEvent) for a in plan_item(Item(edited_in_psa, NOT_READ, linked), CTX, NOW).actions
    )
    moved_by_organiser = replace(invitation, start=at(6, 8), end=at(6, 9), updated=at(2, 8))
    actions = plan_item(Item(edited_in_psa, moved_by_organiser, linked), CTX, NOW).actions
    (update,) = [a for a in actions if isinstance(a, act.UpdateActivity)]
    assert isinstance(update, act.UpdateActivity)
    assert (update.activity.start, update.activity.notes) == (at(6, 8), "my own notes")
    assert not any(isinstance(a, act.UpdateEvent) for a in actions)


def test_cal_14_without_fan_out_each_participant_gets_their_own_copy() -> None:
    ctx = context(user_guid=BOB, user_email=BOB_EMAIL, calendar_id=BOB_EMAIL, fans_out_invitations=False)
    anns = activity(participants=(user(BOB, BOB_EMAIL),))
    (_, create, _) = plan_item(Item(anns, None), ctx, NOW).actions
    assert isinstance(create, act.CreateEvent)
    assert create.event.id == event_id_for(GUID_1)
    assert create.event.organizer_email == ANN_EMAIL  # Ann's meeting, in Bob's own calendar


def test_cal_14_without_fan_out_a_participant_who_deletes_their_copy_declines_and_the_activity_stays() -> None:
    ctx = context(user_guid=BOB, user_email=BOB_EMAIL, calendar_id=BOB_EMAIL, fans_out_invitations=False)
    anns = activity(participants=(user(BOB, BOB_EMAIL),))
    deleted = event(status=EventStatus.CANCELLED)
    actions = plan_item(Item(anns, deleted, linked_to(anns, ctx)), ctx, NOW).actions
    assert _kinds(actions) == [act.UpdateActivity, act.Unlink]  # neither deleted nor written back
    update = actions[0]
    assert isinstance(update, act.UpdateActivity)
    assert [(p.ref_guid, p.status) for p in update.activity.participants] == [(BOB, ParticipantStatus.DECLINED)]


def test_cal_14_without_fan_out_a_participant_who_declined_gets_no_copy_again() -> None:
    ctx = context(user_guid=BOB, user_email=BOB_EMAIL, calendar_id=BOB_EMAIL, fans_out_invitations=False)
    anns = activity(participants=(user(BOB, BOB_EMAIL, ParticipantStatus.DECLINED),))
    actions = plan_item(Item(anns, None), ctx, NOW).actions
    assert not any(isinstance(a, act.CreateEvent) for a in actions)


def test_cal_16_without_fan_out_a_participant_taken_off_the_meeting_loses_their_copy() -> None:
    ctx = context(user_guid=BOB, user_email=BOB_EMAIL, calendar_id=BOB_EMAIL, fans_out_invitations=False)
    with_bob = activity(participants=(user(BOB, BOB_EMAIL),))
    without_bob = replace(with_bob, participants=(), version=with_bob.version + 1)
    actions = plan_item(Item(without_bob, event(), linked_to(with_bob, ctx)), ctx, NOW).actions
    assert _kinds(actions) == [act.DeleteEvent, act.Unlink]
    delete = actions[0]
    assert isinstance(delete, act.DeleteEvent)
    assert (delete.calendar_id, delete.send_updates) == (BOB_EMAIL, SendUpdates.NONE)


def test_cal_14_contacts_and_resources_added_in_the_psa_send_nothing() -> None:
    a = activity()
    with_contact = replace(a, participants=(Participant(kind=ParticipantKind.CONTACT, email="buyer@customer.example"),
                                            Participant(kind=ParticipantKind.RESOURCE, name="Projector")))  # fmt: skip
    assert plan_item(Item(with_contact, NOT_READ, linked_to(a)), CTX, NOW).actions == ()


# ---------------------------------------------------------------- CAL-6 without a Personal type


def test_cal_6_without_a_personal_type_the_calendar_keeps_its_privacy() -> None:
    ctx = context(personal_type_guid=None)
    private_entry = event("m0priv0001", private=True)
    created = plan_item(Item(None, private_entry), ctx, NOW).actions
    warn = created[0]
    assert isinstance(warn, act.Warn)
    assert "visible to everyone" in warn.message
    save = created[-1]
    assert isinstance(save, act.SaveBase)
    made = next(a for a in created if isinstance(a, act.CreateActivity)).activity  # type: ignore[union-attr]
    assert made.category is not ActivityCategory.PERSONAL
    edited = replace(made, notes="more", version=1)
    actions = plan_item(Item(edited, NOT_READ, LinkedItem(save.link, save.base)), ctx, NOW).actions
    (update,) = [a for a in actions if isinstance(a, act.UpdateEvent)]
    assert isinstance(update, act.UpdateEvent)
    assert update.fields == {"description"}
    assert update.event.private is True


# ---------------------------------------------------------------- BEY-3


def _linked_many(n: int) -> list[LinkedItem]:
    guids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(n)]
    return [linked_to(activity(g)) for g in guids]


def test_bey_3_a_mass_deletion_halts_until_confirmed() -> None:
    linked = _linked_many(12)
    cancelled = [event(li.link.event_id, status=EventStatus.CANCELLED) for li in linked[:10]]
    activities = [activity(li.link.activity_guid) for li in linked]
    plan = plan_user(activities=activities, events=cancelled, linked=linked, ctx=CTX, now=NOW, linked_items=12)
    assert plan.halt is not None
    assert plan.items == ()
    assert (plan.halt.deletions, plan.halt.linked_items) == (10, 12)
    assert "BEY-3" in plan.halt.reason
    assert len(plan.halt.withheld) == 12
    assert not plan.is_empty
    confirm = replace(CTX, confirm_mass_deletion=True)
    confirmed = plan_user(activities=activities, events=cancelled, linked=linked, ctx=confirm, now=NOW, linked_items=12)
    assert confirmed.halt is None
    assert confirmed.counts().activities_deleted == 10


def test_bey_3_a_few_deletions_or_a_small_share_pass() -> None:
    linked = _linked_many(30)
    activities = [activity(li.link.activity_guid) for li in linked]
    cancelled = [event(li.link.event_id, status=EventStatus.CANCELLED) for li in linked[:12]]
    share = plan_user(activities=activities, events=cancelled, linked=linked, ctx=CTX, now=NOW, linked_items=30)
    assert share.halt is None  # 12 of 30 is not more than half
    few = plan_user(
        activities=activities[:4], events=cancelled[:4], linked=linked[:4], ctx=CTX, now=NOW, linked_items=4
    )
    assert few.halt is None  # 4 of 4, but fewer than the minimum of 10


def test_bey_3_creates_use_deterministic_ids() -> None:
    (_, create, _) = plan_item(Item(activity(), None), CTX, NOW).actions
    assert isinstance(create, act.CreateEvent)
    assert create.event.id == event_id_for(GUID_1)
    (_, make, _) = plan_item(Item(None, event("m0sfp3kq9h")), CTX, NOW).actions
    assert isinstance(make, act.CreateActivity)
    assert make.activity.guid == activity_guid_for_event("m0sfp3kq9h", ANN_EMAIL)


def test_bey_3_a_retried_create_that_meets_its_own_event_links_it() -> None:
    a = activity()
    (intent, create, _) = plan_item(Item(a, None), CTX, NOW).actions
    assert isinstance(create, act.CreateEvent)
    assert isinstance(intent, act.SaveIntent)
    already_there = replace(create.event, etag='"e2"', updated=at(1, 9))
    linked = LinkedItem(intent.link, None, intent.intent)
    retry = plan_item(Item(a, already_there, linked), CTX, NOW)
    assert _kinds(retry.actions) == [act.SaveBase]


def test_bey_3_a_user_edit_undoing_our_half_finished_write_survives_the_crash() -> None:
    """Our write reached the PSA, the commit did not; then the user removed the attendee
    that write had added. The next plan must keep the removal, not re-add the attendee."""
    a = activity()
    invited = event(attendees=(guest("jane@outside.example"),), updated=at(2, 8))
    first = plan_item(Item(a, invited, linked_to(a)), CTX, NOW).actions
    intent, write = first[0], first[1]
    assert isinstance(intent, act.SaveIntent)
    assert isinstance(write, act.UpdateActivity)
    assert write.activity.extra[WRITE_MARK] == intent.intent.write_id
    crashed = LinkedItem(intent.link, linked_to(a).base, intent.intent)
    written = replace(write.activity, version=4)
    removed_again = replace(written, participants=(), version=5, updated_at=at(2, 10))
    second = plan_item(Item(removed_again, invited, crashed), CTX, NOW).actions
    (update,) = [x for x in second if isinstance(x, act.UpdateEvent)]
    assert isinstance(update, act.UpdateEvent)
    assert update.event.attendees == ()
    assert update.send_updates is SendUpdates.ALL


def test_bey_3_an_event_the_calendar_reported_no_change_for_is_as_the_base_says() -> None:
    a = activity()
    linked = linked_to(a, etag='"e5"')
    (_, update, _) = plan_item(Item(replace(a, name="New"), NOT_READ, linked), CTX, NOW).actions
    assert isinstance(update, act.UpdateEvent)
    assert update.if_match == '"e5"'
    plan = plan_user(activities=[a], events=[], linked=[linked], ctx=CTX, now=NOW)
    assert plan.is_empty
    gone = plan_user(
        activities=[a], events=[], linked=[linked], ctx=CTX, now=NOW, absent_event_ids={linked.link.event_id}
    )
    assert [_kinds(p.actions) for p in gone.items] == [[act.DeleteActivity, act.Unlink]]


# ---------------------------------------------------------------- CAL-9 series


def test_cal_9_a_moved_occurrence_in_the_psa_updates_its_instance() -> None:
    series = activity(recurrence=Recurrence("FREQ=DAILY;COUNT=5"))
    moved = activity("7c9d2e4f-1a3b-4c5d-8e6f-0a1b2c3d4e5f", recurrence_parent_guid=series.guid,
                     original_start=at(7, 8), start=at(7, 10), end=at(7, 11))  # fmt: skip
    plan = plan_user(activities=[moved], events=[], linked=[linked_to(series)], ctx=CTX, now=NOW)
    (item,) = [p for p in plan.items if p.activity_guid == moved.guid]
    (_, update, _) = item.actions
    assert isinstance(update, act.UpdateEvent)
    assert update.event.id == occurrence_event_id(event_id_for(series.guid), at(7, 8))
    assert (update.event.recurring_event_id, update.if_match) == (event_id_for(series.guid), None)


def test_cal_9_a_moved_occurrence_in_the_calendar_becomes_an_exception_activity() -> None:
    series_id = "m0series01"
    instance = event(f"{series_id}_20300307T080000Z", recurring_event_id=series_id, original_start=at(7, 8),
                     start=at(7, 10), end=at(7, 11))  # fmt: skip
    (_, create, _) = plan_item(Item(None, instance), CTX, NOW).actions
    assert isinstance(create, act.CreateActivity)
    assert create.activity.recurrence_parent_guid == activity_guid_for_event(series_id, ANN_EMAIL)
    assert create.activity.original_start == at(7, 8)


def test_cal_9_a_cancelled_occurrence_folded_into_the_series_reaches_the_psa_as_an_exdate() -> None:
    series = activity(recurrence=Recurrence("FREQ=DAILY;COUNT=5"))
    folded = event(recurrence=Recurrence("FREQ=DAILY;COUNT=5", exdates=(datetime(2030, 3, 7, 8, tzinfo=UTC),)))
    actions = plan_item(Item(series, folded, linked_to(series)), CTX, NOW).actions
    (update,) = [a for a in actions if isinstance(a, act.UpdateActivity)]
    assert isinstance(update, act.UpdateActivity)
    assert update.activity.recurrence == Recurrence("FREQ=DAILY;COUNT=5", exdates=(at(7, 8),))


# ---------------------------------------------------------------- counts


def test_bey_4_a_plan_counts_what_it_does() -> None:
    plan = plan_user(
        activities=[activity(), activity("7c9d2e4f-1a3b-4c5d-8e6f-0a1b2c3d4e5f", type_guid=MEETING)],
        events=[event("m0sfp3kq9h"), event("m0bad00001", start=None)],
        linked=[], ctx=CTX, now=NOW,
    )  # fmt: skip
    counts = plan.counts()
    assert (counts.events_created, counts.activities_created, counts.linked, counts.quarantined) == (2, 1, 3, 1)
    assert external("x@y.z").email == "x@y.z"
