"""Meetings with several participants, end to end (CAL-14, CAL-16, BEY-2).

Tandem writes only the organiser's copy of a meeting; Google (the emulator) fans it out
to each attendee's primary calendar under the same event id. Every participant's sync
reads the same meeting, in whatever order the runtime happens to run them, so each
behaviour here is shown for several (often all) sync orders: the outcome must be one
activity in the hub and one event in each participant's calendar, never two.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from tandem.domain.activity import Activity, ParticipantKind, ParticipantStatus
from tandem.hub.models import Activity as Row
from tandem.hub.services import activities, lookup
from tandem.hub.services.drafts import ParticipantDraft, draft_of, participants_of
from tandem.sync.ids import event_id_for
from tests.e2e.calendar.conftest import ALICE, BOB, CAROL, DAVE, OUTSIDER, World, event_body, soon
from tests.support import factories
from tests.support.hub import authorised

ORDERS = tuple(itertools.permutations((ALICE, BOB, CAROL)))
"""Every order in which the three participants' syncs can run."""
SOME_ORDERS = ((BOB, CAROL, ALICE), (ALICE, BOB, CAROL), (CAROL, ALICE, BOB))
"""The organiser's sync first, between and last, each attendee before and after her."""
GUEST = "gus.guest@partner.example"
"""An outsider Google knows by name (OUTSIDER is known only by email)."""


def _order_id(order: Sequence[str]) -> str:
    return "-".join(email.split("@")[0] for email in order)


def _user(world: World, email: str) -> ParticipantDraft:
    return ParticipantDraft("User", world.users[email].guid)


def _meeting(world: World, name: str, start: datetime, *people: ParticipantDraft) -> str:
    """A meeting Alice owns, made in the PSA."""
    return world.create(ALICE, name, start, participants=people)


def _edit(world: World, guid: str, **changes: Any) -> None:
    """Change an activity in the PSA through the hub's services."""
    with world.tandem.db.write() as session:
        row = lookup.get(session, Row, guid, "activity")
        activities.update(session, row, draft_of(row, **changes), factories.ACTOR)


def _drop(world: World, guid: str, ref_guid: str) -> None:
    """Take one participant off an activity in the PSA."""
    with world.tandem.db.write() as session:
        row = lookup.get(session, Row, guid, "activity")
        kept = tuple(p for p in participants_of(row) if p.ref_guid != ref_guid)
        assert len(kept) == len(row.participants) - 1
        activities.update(session, row, draft_of(row, participants=kept), factories.ACTOR)


def _delete(world: World, guid: str) -> None:
    with world.tandem.db.write() as session:
        activities.delete(session, lookup.get(session, Row, guid, "activity"), factories.ACTOR)


def _the_event(world: World, email: str, event_id: str) -> dict[str, Any]:
    """The one live event in the user's calendar, which must be the meeting's."""
    events = world.events(email)
    assert [e["id"] for e in events] == [event_id], (email, [e.get("summary") for e in events])
    return events[0]


def _only_activity(world: World) -> Activity:
    found = world.activities()
    assert len(found) == 1, [(a.name, a.guid) for a in found]
    return found[0]


def _guests(event: dict[str, Any]) -> dict[str, str]:
    """Attendees but the organiser, with their answers."""
    return {a["email"]: a["responseStatus"] for a in event.get("attendees", ()) if not a.get("organizer")}


def _users(activity: Activity) -> set[tuple[str | None, ParticipantStatus]]:
    return {(p.ref_guid, p.status) for p in activity.participants if p.kind is ParticipantKind.USER}


def _kinds(activity: Activity) -> list[tuple[ParticipantKind, str | None]]:
    return sorted((p.kind, p.ref_guid or p.email) for p in activity.participants)


def _others(activity: Activity) -> set[tuple[str | None, str | None, ParticipantStatus]]:
    return {(p.email, p.name, p.status) for p in activity.participants if p.kind is ParticipantKind.OTHER}


def _times(start: datetime, hours: float = 1) -> dict[str, Any]:
    return {
        "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Helsinki"},
        "end": {"dateTime": (start + timedelta(hours=hours)).isoformat(), "timeZone": "Europe/Helsinki"},
    }


def _start(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["start"]["dateTime"])


def _mails(world: World) -> list[tuple[str, str, str]]:
    """The mail Google sent since the last call, sorted; the log is emptied."""
    sent = sorted(world.mails())
    world.server.state.clear_notifications()
    return sent


def _sync_twice(world: World, order: Sequence[str]) -> None:
    """Each participant's sync in this order, two rounds over: the second round meets what
    the first wrote."""
    world.sync(*order)
    world.sync(*order)


def _synced_review(world: World, *emails: str, start: datetime | None = None) -> tuple[str, str]:
    """Alice's "Design review" with these users, made in the PSA and synced for everyone, the
    mail it caused cleared: (its guid, its event id)."""
    guid = _meeting(world, "Design review", start or soon(2), *(_user(world, email) for email in emails))
    world.sync(ALICE, BOB, CAROL)
    _mails(world)
    return guid, event_id_for(guid)


def _answer(world: World, email: str, event_id: str, response: str) -> None:
    """The attendee answers in their own calendar, as Google Calendar's buttons do."""
    calendar = world.calendar(email)
    copy = calendar.get(f"/{event_id}").json()
    attendees = [{**a, "responseStatus": response} if a.get("self") else a for a in copy["attendees"]]
    assert attendees != copy["attendees"]
    answer = calendar.patch(event_id, {"attendees": attendees})
    assert answer.status_code == 200, answer.text


def _reply_by_mail(world: World, event_id: str, email: str, response: str) -> None:
    """An outsider answers the invitation email: Google records it on the organiser's event."""
    calendar = world.calendar(ALICE)
    event = calendar.get(f"/{event_id}").json()
    attendees = [{**a, "responseStatus": response} if a["email"] == email else a for a in event["attendees"]]
    assert attendees != event["attendees"]
    answer = calendar.patch(event_id, {"attendees": attendees})
    assert answer.status_code == 200, answer.text


# --- CAL-14 (a): one meeting, once in every participant's calendar -------------------------


@pytest.mark.parametrize("order", ORDERS, ids=_order_id)
def test_cal_14_a_psa_meeting_is_one_event_in_each_participants_calendar_whatever_the_sync_order(
    world: World, order: tuple[str, str, str]
) -> None:
    guid = _meeting(world, "Design review", soon(2), _user(world, BOB), _user(world, CAROL))

    _sync_twice(world, order)  # the attendees' syncs now meet their copies too

    activity = _only_activity(world)
    invited = ParticipantStatus.INVITED
    assert _users(activity) == {(world.users[BOB].guid, invited), (world.users[CAROL].guid, invited)}
    assert len(activity.participants) == 2  # nobody doubled by the attendees' syncs
    for email in (ALICE, BOB, CAROL):
        event = _the_event(world, email, event_id_for(guid))
        assert event["organizer"]["email"] == ALICE
        assert event["summary"] == "Design review"
        assert _guests(event) == {BOB: "needsAction", CAROL: "needsAction"}
    # one invitation each, however many syncs saw the meeting
    assert _mails(world) == [(BOB, "invitation", "Design review"), (CAROL, "invitation", "Design review")]


@pytest.mark.parametrize("order", ORDERS, ids=_order_id)
def test_cal_14_a_meeting_made_in_the_calendar_is_one_activity_whatever_the_sync_order(
    world: World, order: tuple[str, str, str]
) -> None:
    attendees = [{"email": ALICE}, {"email": BOB}, {"email": CAROL}]  # as Google Calendar's editor lists them
    made = world.calendar(ALICE).insert(event_body("Kick-off", soon(3), attendees=attendees), sendUpdates="all")
    assert made.status_code == 200, made.text
    event_id = made.json()["id"]
    assert _mails(world) == [(BOB, "invitation", "Kick-off"), (CAROL, "invitation", "Kick-off")]

    _sync_twice(world, order)

    activity = _only_activity(world)
    assert activity.name == "Kick-off"
    assert activity.owner_guid == world.users[ALICE].guid  # the organiser owns it, whoever synced first
    invited = ParticipantStatus.INVITED
    assert _users(activity) == {(world.users[BOB].guid, invited), (world.users[CAROL].guid, invited)}
    assert len(activity.participants) == 2  # the organiser is the owner, not a participant of her own
    for email in (ALICE, BOB, CAROL):
        event = _the_event(world, email, event_id)
        assert _guests(event) == {BOB: "needsAction", CAROL: "needsAction"}
    assert _mails(world) == []  # what came from the calendar is not written back to it (CAL-16)


# --- BEY-2 on a meeting: edits racing on both sides ----------------------------------------


@pytest.mark.parametrize("order", ORDERS, ids=_order_id)
def test_cal_14_edits_of_different_fields_on_both_sides_reach_every_copy_once(
    world: World, order: tuple[str, str, str]
) -> None:
    start = soon(2)
    guid, event_id = _synced_review(world, BOB, CAROL, start=start)

    _edit(world, guid, name="Design review, round 2")
    moved = start + timedelta(hours=3)
    changed = world.calendar(ALICE).patch(event_id, {"description": "Agenda: the new API", **_times(moved)})
    assert changed.status_code == 200, changed.text

    _sync_twice(world, order)

    activity = _only_activity(world)
    assert (activity.name, activity.start, activity.end, activity.notes) == (
        "Design review, round 2",
        moved,
        moved + timedelta(hours=1),
        "Agenda: the new API",
    )
    for email in (ALICE, BOB, CAROL):
        event = _the_event(world, email, event_id)
        assert (event["summary"], _start(event), event.get("description")) == (
            "Design review, round 2",
            moved,
            "Agenda: the new API",
        )
        assert _guests(event) == {BOB: "needsAction", CAROL: "needsAction"}
    # the PSA's rename was written once, with mail; the calendar's own edit was not echoed
    assert _mails(world) == [
        (BOB, "update", "Design review, round 2"),
        (CAROL, "update", "Design review, round 2"),
    ]


@pytest.mark.parametrize("newer", ["psa", "calendar"])
@pytest.mark.parametrize("order", SOME_ORDERS, ids=_order_id)
def test_bey_2_a_meeting_renamed_on_both_sides_takes_the_newer_name_in_every_copy(
    world: World, order: tuple[str, str, str], newer: str
) -> None:
    guid, event_id = _synced_review(world, BOB, CAROL)

    def in_psa() -> None:
        _edit(world, guid, name="Renamed in the PSA")

    def in_calendar() -> None:
        answer = world.calendar(ALICE).patch(event_id, {"summary": "Renamed in Google"})
        assert answer.status_code == 200, answer.text

    older, newest = (in_calendar, in_psa) if newer == "psa" else (in_psa, in_calendar)
    older()
    time.sleep(0.05)  # Google's `updated` has millisecond precision: keep the two edits apart
    newest()

    _sync_twice(world, order)

    expected = {"psa": "Renamed in the PSA", "calendar": "Renamed in Google"}[newer]
    assert _only_activity(world).name == expected
    for email in (ALICE, BOB, CAROL):
        assert _the_event(world, email, event_id)["summary"] == expected
    conflicts = world.tandem.sync_store().conflicts(world.users[ALICE].guid)
    assert [(c.psa.summary, c.calendar.summary, c.winner.value) for c in conflicts] == [
        ("Renamed in the PSA", "Renamed in Google", newer)
    ]
    told = [(BOB, "update", expected), (CAROL, "update", expected)]
    assert _mails(world) == (told if newer == "psa" else [])


# --- CAL-13/CAL-14: answers flow calendar -> PSA; a participant removed is told -------------


@pytest.mark.parametrize(
    ("response", "status"),
    [
        ("accepted", ParticipantStatus.ACCEPTED),
        ("tentative", ParticipantStatus.TENTATIVE),
        ("declined", ParticipantStatus.DECLINED),
    ],
)
@pytest.mark.parametrize("order", [(BOB,), (ALICE,), (CAROL, BOB, ALICE)], ids=_order_id)
def test_cal_14_an_attendees_answer_in_their_own_calendar_becomes_their_psa_status(
    world: World, order: tuple[str, ...], response: str, status: ParticipantStatus
) -> None:
    _, event_id = _synced_review(world, BOB, CAROL)

    _answer(world, BOB, event_id, response)
    world.sync(*order)

    activity = _only_activity(world)
    assert _users(activity) == {(world.users[BOB].guid, status), (world.users[CAROL].guid, ParticipantStatus.INVITED)}
    # everyone syncs again: the answer stays, nothing is doubled, nobody is mailed
    world.sync(ALICE, BOB, CAROL)
    assert _users(_only_activity(world)) == _users(activity)
    for email in (ALICE, BOB, CAROL):
        assert _guests(_the_event(world, email, event_id)) == {BOB: response, CAROL: "needsAction"}
    assert _mails(world) == []


@pytest.mark.parametrize("order", ORDERS, ids=_order_id)
def test_cal_16_a_participant_removed_in_the_psa_leaves_the_meeting_and_only_they_are_told(
    world: World, order: tuple[str, str, str]
) -> None:
    guid, event_id = _synced_review(world, BOB, CAROL)

    _drop(world, guid, world.users[CAROL].guid)
    _sync_twice(world, order)  # Carol's sync meets her cancelled copy: she must not come back

    assert _users(_only_activity(world)) == {(world.users[BOB].guid, ParticipantStatus.INVITED)}
    for email in (ALICE, BOB):
        assert _guests(_the_event(world, email, event_id)) == {BOB: "needsAction"}
    assert world.events(CAROL) == []
    assert _mails(world) == [(CAROL, "cancellation", "Design review")]


@pytest.mark.parametrize("order", [(BOB,), (BOB, ALICE, CAROL), (ALICE, CAROL, BOB)], ids=_order_id)
def test_cal_14_an_attendee_who_deletes_the_meeting_from_their_calendar_declines_it_and_it_stays(
    world: World, order: tuple[str, ...]
) -> None:
    _, event_id = _synced_review(world, BOB, CAROL)

    removed = world.calendar(BOB).delete(event_id)  # Google records this as Bob declining
    assert removed.status_code == 204, removed.text
    world.sync(*order)
    world.sync(ALICE, BOB, CAROL)

    activity = _only_activity(world)
    assert _users(activity) == {
        (world.users[BOB].guid, ParticipantStatus.DECLINED),
        (world.users[CAROL].guid, ParticipantStatus.INVITED),
    }
    for email in (ALICE, CAROL):
        assert _guests(_the_event(world, email, event_id)) == {BOB: "declined", CAROL: "needsAction"}
    assert world.events(BOB) == []  # his deletion stands: the sync does not put it back
    assert _mails(world) == []


@pytest.mark.parametrize("order", SOME_ORDERS, ids=_order_id)
def test_cal_14_an_answer_and_a_psa_rename_at_the_same_time_both_stay(
    world: World, order: tuple[str, str, str]
) -> None:
    guid, event_id = _synced_review(world, BOB, CAROL)

    _answer(world, BOB, event_id, "accepted")
    _edit(world, guid, name="Design review, final")
    _sync_twice(world, order)

    activity = _only_activity(world)
    assert activity.name == "Design review, final"
    assert _users(activity) == {
        (world.users[BOB].guid, ParticipantStatus.ACCEPTED),
        (world.users[CAROL].guid, ParticipantStatus.INVITED),
    }
    for email in (ALICE, BOB, CAROL):
        event = _the_event(world, email, event_id)
        assert (event["summary"], _guests(event)) == ("Design review, final", {BOB: "accepted", CAROL: "needsAction"})
    assert _mails(world) == [(BOB, "update", "Design review, final"), (CAROL, "update", "Design review, final")]


@pytest.mark.parametrize("order", SOME_ORDERS, ids=_order_id)
def test_cal_14_answers_given_before_the_first_sync_come_in_with_a_calendar_meeting(
    world: World, order: tuple[str, str, str]
) -> None:
    body = event_body("Kick-off", soon(3), attendees=[{"email": BOB}, {"email": CAROL}])
    made = world.calendar(ALICE).insert(body)
    assert made.status_code == 200, made.text
    event_id = made.json()["id"]
    _answer(world, BOB, event_id, "tentative")
    _answer(world, CAROL, event_id, "accepted")

    _sync_twice(world, order)

    activity = _only_activity(world)
    assert _users(activity) == {
        (world.users[BOB].guid, ParticipantStatus.TENTATIVE),
        (world.users[CAROL].guid, ParticipantStatus.ACCEPTED),
    }
    assert len(activity.participants) == 2
    for email in (ALICE, BOB, CAROL):
        assert _guests(_the_event(world, email, event_id)) == {BOB: "tentative", CAROL: "accepted"}
    assert _mails(world) == []


@pytest.mark.parametrize("order", SOME_ORDERS, ids=_order_id)
def test_cal_16_a_participant_added_in_the_psa_gets_the_meeting_once_and_only_they_are_told(
    world: World, order: tuple[str, str, str]
) -> None:
    guid, event_id = _synced_review(world, BOB)
    assert world.events(CAROL) == []

    _edit(world, guid, participants=(_user(world, BOB), _user(world, CAROL)))
    _sync_twice(world, order)

    invited = ParticipantStatus.INVITED
    assert _users(_only_activity(world)) == {(world.users[BOB].guid, invited), (world.users[CAROL].guid, invited)}
    assert len(_only_activity(world).participants) == 2
    for email in (ALICE, BOB, CAROL):
        assert _guests(_the_event(world, email, event_id)) == {BOB: "needsAction", CAROL: "needsAction"}
    assert _mails(world) == [(CAROL, "invitation", "Design review")]


def test_cal_14_a_participant_without_a_calendar_account_is_an_attendee_told_by_mail(world: World) -> None:
    guid = _meeting(world, "Design review", soon(2), _user(world, BOB), _user(world, DAVE))
    world.sync(ALICE, BOB, CAROL)

    assert _guests(_the_event(world, ALICE, event_id_for(guid))) == {BOB: "needsAction", DAVE: "needsAction"}
    assert _mails(world) == [(BOB, "invitation", "Design review"), (DAVE, "invitation", "Design review")]
    assert {p.ref_guid for p in _only_activity(world).participants} == {world.users[BOB].guid, world.users[DAVE].guid}


@pytest.mark.parametrize("order", SOME_ORDERS, ids=_order_id)
def test_cal_16_a_participant_removed_in_the_psa_while_accepting_in_the_calendar_stays_removed(
    world: World, order: tuple[str, str, str]
) -> None:
    guid, event_id = _synced_review(world, BOB, CAROL)

    _answer(world, CAROL, event_id, "accepted")
    _drop(world, guid, world.users[CAROL].guid)
    _sync_twice(world, order)

    assert _users(_only_activity(world)) == {(world.users[BOB].guid, ParticipantStatus.INVITED)}
    for email in (ALICE, BOB):
        assert _guests(_the_event(world, email, event_id)) == {BOB: "needsAction"}
    assert world.events(CAROL) == []
    assert _mails(world) == [(CAROL, "cancellation", "Design review")]


@pytest.mark.parametrize("order", SOME_ORDERS, ids=_order_id)
def test_cal_14_attendees_changed_on_both_sides_merge_one_by_one(world: World, order: tuple[str, str, str]) -> None:
    guid, event_id = _synced_review(world, BOB)

    # the PSA swaps Bob for Carol; in Google, Alice adds an outsider (without mail)
    _edit(world, guid, participants=(_user(world, CAROL),))
    event = world.calendar(ALICE).get(f"/{event_id}").json()
    added = world.calendar(ALICE).patch(
        event_id, {"attendees": [*event["attendees"], {"email": GUEST, "displayName": "Gus Guest"}]}
    )
    assert added.status_code == 200, added.text

    _sync_twice(world, order)

    activity = _only_activity(world)
    assert _kinds(activity) == sorted([(ParticipantKind.USER, world.users[CAROL].guid), (ParticipantKind.OTHER, GUEST)])
    for email in (ALICE, CAROL):
        assert _guests(_the_event(world, email, event_id)) == {CAROL: "needsAction", GUEST: "needsAction"}
    assert world.events(BOB) == []
    assert _mails(world) == [(BOB, "cancellation", "Design review"), (CAROL, "invitation", "Design review")]


@pytest.mark.parametrize("order", SOME_ORDERS, ids=_order_id)
def test_cal_16_a_meeting_deleted_in_the_psa_is_cancelled_once_for_every_attendee(
    world: World, order: tuple[str, str, str]
) -> None:
    guid, event_id = _synced_review(world, BOB, CAROL)

    _delete(world, guid)
    _sync_twice(world, order)

    assert (world.activities(), world.events(ALICE), world.events(BOB), world.events(CAROL)) == ([], [], [], [])
    organisers_copy = world.calendar(ALICE).get(f"/{event_id}").json()
    assert organisers_copy["status"] == "cancelled"
    # the attendees' syncs never answered for them (an attendee's delete is a decline)
    assert _guests(organisers_copy) == {BOB: "needsAction", CAROL: "needsAction"}
    assert _mails(world) == [(BOB, "cancellation", "Design review"), (CAROL, "cancellation", "Design review")]


@pytest.mark.parametrize("order", SOME_ORDERS, ids=_order_id)
def test_cal_14_a_meeting_cancelled_by_its_organiser_in_the_calendar_leaves_the_psa(
    world: World, order: tuple[str, str, str]
) -> None:
    _, event_id = _synced_review(world, BOB, CAROL)
    cancelled = world.calendar(ALICE).delete(event_id, sendUpdates="all")
    assert cancelled.status_code == 204, cancelled.text
    assert _mails(world) == [(BOB, "cancellation", "Design review"), (CAROL, "cancellation", "Design review")]

    _sync_twice(world, order)

    assert (world.activities(), world.events(ALICE), world.events(BOB), world.events(CAROL)) == ([], [], [], [])
    assert _mails(world) == []


@pytest.mark.parametrize("origin", ["psa", "calendar"])
def test_cal_15_a_synced_meetings_owner_cannot_be_changed_and_the_calendar_keeps_its_organiser(
    world: World, origin: str
) -> None:
    if origin == "psa":
        guid = _meeting(world, "Design review", soon(2), _user(world, BOB), _user(world, CAROL))
        event_id = event_id_for(guid)
        world.sync(ALICE, BOB, CAROL)
    else:
        body = event_body("Design review", soon(2), attendees=[{"email": BOB}, {"email": CAROL}])
        made = world.calendar(ALICE).insert(body)
        assert made.status_code == 200, made.text
        event_id = made.json()["id"]
        world.sync(BOB, CAROL, ALICE)
        guid = _only_activity(world).guid
    _mails(world)

    with authorised(world.tandem) as api:
        change_owner = [{"op": "replace", "path": "/ownerUser/guid", "value": world.users[BOB].guid}]
        refused = api.patch(f"/v1/activities/{guid}", json=change_owner)
    assert refused.status_code == 400, refused.text
    message = refused.json()["error"]["details"][0]["message"].lower()
    assert "owner" in message
    assert "calendar" in message
    world.sync(BOB, CAROL, ALICE)

    assert _only_activity(world).owner_guid == world.users[ALICE].guid
    for email in (ALICE, BOB, CAROL):
        event = _the_event(world, email, event_id)
        assert (event["organizer"]["email"], _guests(event)) == (ALICE, {BOB: "needsAction", CAROL: "needsAction"})
    assert _mails(world) == []


# --- CAL-14 (b), (c): customer contacts and rooms stay in the PSA ---------------------------


def test_cal_14_contacts_and_rooms_never_reach_the_calendar_and_survive_its_changes(world: World) -> None:
    guid, _, contact, room = world.customer_meeting("Customer workshop", _user(world, BOB))
    event_id = event_id_for(guid)
    world.sync(BOB, ALICE, CAROL)

    for email in (ALICE, BOB):
        event = _the_event(world, email, event_id)
        assert [a["email"] for a in event["attendees"]] == [BOB]
    assert world.events(CAROL) == []
    assert _mails(world) == [(BOB, "invitation", "Customer workshop")]

    # In Google, Alice swaps Bob for Carol and sets a place (Google mails both; that is hers).
    swapped = world.calendar(ALICE).patch(
        event_id, {"attendees": [{"email": CAROL}], "location": "Acme HQ"}, sendUpdates="all"
    )
    assert swapped.status_code == 200, swapped.text
    assert _mails(world) == [(BOB, "cancellation", "Customer workshop"), (CAROL, "invitation", "Customer workshop")]
    world.sync(ALICE, BOB, CAROL)
    world.sync(CAROL, BOB, ALICE)

    activity = _only_activity(world)
    assert activity.location == "Acme HQ"
    assert _kinds(activity) == sorted(
        [
            (ParticipantKind.USER, world.users[CAROL].guid),
            (ParticipantKind.CONTACT, contact),
            (ParticipantKind.RESOURCE, room),
        ]
    )
    assert _mails(world) == []

    # a change in the PSA tells the attendees, never the contact or the room
    _edit(world, guid, name="Customer workshop, day 1")
    world.sync(CAROL, ALICE, BOB)
    assert _mails(world) == [(CAROL, "update", "Customer workshop, day 1")]
    for email in (ALICE, CAROL):
        event = _the_event(world, email, event_id)
        assert [a["email"] for a in event["attendees"]] == [CAROL]
    assert world.events(BOB) == []
    assert _kinds(_only_activity(world)) == _kinds(activity)


# --- CAL-14 (d), CAL-16: external attendees -----------------------------------------------


def _with_outsiders(world: World, origin: str) -> str:
    """A meeting of Alice's with Bob, and two outsiders added in Google (one with a name,
    one known only by email): made in the PSA and extended in Google, or made in Google.
    Returns the event id."""
    outsiders = [{"email": GUEST, "displayName": "Gus Guest"}, {"email": OUTSIDER}]
    if origin == "psa":
        guid = _meeting(world, "Partner sync", soon(2), _user(world, BOB))
        world.sync(ALICE, BOB, CAROL)
        event_id = event_id_for(guid)
        event = world.calendar(ALICE).get(f"/{event_id}").json()
        answer = world.calendar(ALICE).patch(
            event_id, {"attendees": [*event["attendees"], *outsiders]}, sendUpdates="all"
        )
    else:
        body = event_body("Partner sync", soon(2), attendees=[{"email": BOB}, *outsiders])
        answer = world.calendar(ALICE).insert(body, sendUpdates="all")
    assert answer.status_code == 200, answer.text
    _mails(world)
    return str(answer.json()["id"])


@pytest.mark.parametrize("origin", ["psa", "calendar"])
@pytest.mark.parametrize("order", [(BOB, CAROL, ALICE), (ALICE, BOB, CAROL)], ids=_order_id)
def test_cal_14_outsiders_added_in_the_calendar_become_other_participants_named_by_name_or_email(
    world: World, origin: str, order: tuple[str, str, str]
) -> None:
    event_id = _with_outsiders(world, origin)

    _sync_twice(world, order)

    activity = _only_activity(world)
    assert _others(activity) == {
        (GUEST, "Gus Guest", ParticipantStatus.INVITED),
        (OUTSIDER, OUTSIDER, ParticipantStatus.INVITED),
    }
    assert _users(activity) == {(world.users[BOB].guid, ParticipantStatus.INVITED)}
    assert len(activity.participants) == 3
    for email in (ALICE, BOB):
        event = _the_event(world, email, event_id)
        assert _guests(event) == {BOB: "needsAction", GUEST: "needsAction", OUTSIDER: "needsAction"}
    assert world.events(CAROL) == []
    assert _mails(world) == []


@pytest.mark.parametrize("origin", ["psa", "calendar"])
def test_cal_14_an_outsider_who_declines_leaves_the_psa_participants(world: World, origin: str) -> None:
    event_id = _with_outsiders(world, origin)
    world.sync(ALICE, BOB, CAROL)
    assert len(_others(_only_activity(world))) == 2

    _reply_by_mail(world, event_id, OUTSIDER, "declined")
    world.sync(BOB, ALICE, CAROL)
    world.sync(ALICE, BOB, CAROL)

    activity = _only_activity(world)
    assert _others(activity) == {(GUEST, "Gus Guest", ParticipantStatus.INVITED)}
    assert _users(activity) == {(world.users[BOB].guid, ParticipantStatus.INVITED)}
    # leaving the PSA's list is not a removal from the meeting: Google keeps their answer,
    # and nobody is sent a cancellation for it
    for email in (ALICE, BOB):
        event = _the_event(world, email, event_id)
        assert _guests(event) == {BOB: "needsAction", GUEST: "needsAction", OUTSIDER: "declined"}
    assert _mails(world) == []


@pytest.mark.parametrize("origin", ["psa", "calendar"])
def test_cal_16_outsiders_added_in_the_calendar_are_told_of_psa_changes_and_of_the_cancellation(
    world: World, origin: str
) -> None:
    event_id = _with_outsiders(world, origin)
    world.sync(BOB, ALICE, CAROL)
    assert _mails(world) == []
    guid = _only_activity(world).guid

    _edit(world, guid, name="Partner sync (agenda)")
    world.sync(BOB, ALICE, CAROL)
    renamed = "Partner sync (agenda)"
    assert _mails(world) == [(BOB, "update", renamed), (OUTSIDER, "update", renamed), (GUEST, "update", renamed)]

    later = soon(4, hour=13)
    _edit(world, guid, start=later, end=later + timedelta(hours=1))
    world.sync(BOB, ALICE, CAROL)
    assert _mails(world) == [(BOB, "update", renamed), (OUTSIDER, "update", renamed), (GUEST, "update", renamed)]
    for email in (ALICE, BOB):
        assert _start(_the_event(world, email, event_id)) == later

    _delete(world, guid)
    world.sync(BOB, ALICE, CAROL)
    assert _mails(world) == [
        (BOB, "cancellation", renamed),
        (OUTSIDER, "cancellation", renamed),
        (GUEST, "cancellation", renamed),
    ]
    assert (world.events(ALICE), world.events(BOB), world.activities()) == ([], [], [])


def test_cal_14_an_outsider_who_declined_keeps_their_answer_when_the_psa_changes_the_attendees(world: World) -> None:
    event_id = _with_outsiders(world, "psa")
    world.sync(ALICE, BOB, CAROL)
    _reply_by_mail(world, event_id, OUTSIDER, "declined")
    world.sync(ALICE, BOB, CAROL)
    activity = _only_activity(world)
    assert _others(activity) == {(GUEST, "Gus Guest", ParticipantStatus.INVITED)}
    _mails(world)

    _drop(world, activity.guid, world.users[BOB].guid)
    world.sync(BOB, ALICE, CAROL)

    assert _kinds(_only_activity(world)) == [(ParticipantKind.OTHER, GUEST)]
    # Bob is taken off and told; the outsider who declined is neither removed nor mailed
    assert _guests(_the_event(world, ALICE, event_id)) == {GUEST: "needsAction", OUTSIDER: "declined"}
    assert world.events(BOB) == []
    assert _mails(world) == [(BOB, "cancellation", "Partner sync")]
