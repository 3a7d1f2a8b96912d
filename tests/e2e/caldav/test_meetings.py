"""CAL-14 on a CalDAV server without scheduling (BEY-1): Radicale delivers no invitations
(RFC 6638), so the CalDAV port does not fan invitations out and Tandem writes one copy of a
meeting into the calendar of each participant whose sync runs, all linked to the one
activity. Every copy lists the attendees with SCHEDULE-AGENT=CLIENT, so that a server that
does schedule would not mail them on Tandem's behalf (CAL-16 is Tandem's to decide)."""

from __future__ import annotations

from collections.abc import Sequence

import icalendar
import pytest

from tandem.domain.activity import Activity, ParticipantKind, ParticipantStatus
from tandem.hub.models import Activity as Row
from tandem.hub.services import activities, lookup
from tandem.hub.services.drafts import ParticipantDraft, participants_of
from tandem.sync.ids import event_id_for
from tests.e2e.caldav.conftest import CaldavWorld
from tests.e2e.calendar.conftest import ALICE, BOB, CAROL, DAVE, soon
from tests.support import factories

ORDERS = ((ALICE, BOB, CAROL), (CAROL, BOB, ALICE))
"""The owner's sync first and last."""


def _order_id(order: Sequence[str]) -> str:
    return "-".join(email.split("@")[0] for email in order)


def _meeting(world: CaldavWorld, *guests: str, name: str = "Design review") -> str:
    """A meeting Alice owns with these colleagues, made in the PSA."""
    people = tuple(ParticipantDraft("User", world.users[g].guid) for g in guests)
    return world.create(ALICE, name, soon(2), participants=people)


def _only_activity(world: CaldavWorld) -> Activity:
    (activity,) = world.activities()
    return activity


def _status(world: CaldavWorld, email: str) -> ParticipantStatus:
    (mine,) = [
        p
        for p in _only_activity(world).participants
        if p.kind is ParticipantKind.USER and p.ref_guid == world.users[email].guid
    ]
    return mine.status


def _attendees(event: icalendar.Event) -> dict[str, dict[str, str]]:
    """The event's ATTENDEE lines: parameters by address (without mailto:)."""
    found = event.get("attendee", [])
    lines = found if isinstance(found, list) else [found]
    return {str(line).removeprefix("mailto:").lower(): dict(line.params) for line in lines}


@pytest.mark.parametrize("order", ORDERS, ids=_order_id)
def test_cal_14_bey_1_a_psa_meeting_is_one_copy_in_each_participants_calendar_whatever_the_sync_order(
    world: CaldavWorld, order: tuple[str, str, str]
) -> None:
    guid = _meeting(world, BOB, CAROL)

    world.sync(*order)
    first = {email: world.resources(email) for email in (ALICE, BOB, CAROL)}
    world.sync(*order)  # the syncs meet each other's copies: nothing doubles, nothing is rewritten
    world.sync(*order)
    assert {email: world.resources(email) for email in (ALICE, BOB, CAROL)} == first

    for email in (ALICE, BOB, CAROL):
        (only,) = world.entries(email).values()
        assert str(only["summary"]) == "Design review"
        assert str(only["uid"]) == event_id_for(guid)
        attendees = _attendees(only)
        assert set(attendees) == {BOB, CAROL}  # the organiser is ORGANIZER, not an attendee
        assert str(only["organizer"]).removeprefix("mailto:") == ALICE  # her meeting, in every copy
        assert {params.get("SCHEDULE-AGENT") for params in attendees.values()} == {"CLIENT"}
    participants = _only_activity(world).participants
    assert sorted(p.ref_guid for p in participants) == sorted(world.users[e].guid for e in (BOB, CAROL))
    assert ParticipantStatus.DECLINED not in {p.status for p in participants}
    assert [r.plan is not None and r.plan.is_empty for r in world.reports[-3:]] == [True, True, True]
    assert [r.record.error for r in world.reports] == [None] * 9


@pytest.mark.parametrize("order", [(BOB,), (ALICE, CAROL, BOB)], ids=_order_id)
def test_cal_14_bey_1_a_participant_who_deletes_their_copy_declines_and_the_others_keep_theirs(
    world: CaldavWorld, order: tuple[str, ...]
) -> None:
    guid = _meeting(world, BOB, CAROL)
    world.sync(ALICE, BOB, CAROL)

    world.remove(BOB, event_id_for(guid))  # Bob deletes the meeting in his calendar app
    world.sync(*order)
    world.sync(ALICE, BOB, CAROL)

    assert [a.name for a in world.activities()] == ["Design review"]  # the meeting stays
    assert _status(world, BOB) is ParticipantStatus.DECLINED
    assert _status(world, CAROL) is not ParticipantStatus.DECLINED
    assert world.entries(BOB) == {}  # his deletion stands: the sync does not put it back
    for email in (ALICE, CAROL):
        (kept,) = world.entries(email).values()
        assert (str(kept["uid"]), str(kept["summary"])) == (event_id_for(guid), "Design review")


def test_cal_14_bey_1_an_edit_in_the_psa_reaches_every_copy_and_one_made_in_a_copy_reaches_the_others(
    world: CaldavWorld,
) -> None:
    guid = _meeting(world, BOB, CAROL)
    world.sync(ALICE, BOB, CAROL)

    world.change_activity(guid, name="Design review, round 2")
    world.sync(CAROL, BOB, ALICE)
    for email in (ALICE, BOB, CAROL):
        assert world.titles(email) == ["Design review, round 2"]

    world.edit(BOB, event_id_for(guid), location="Room 4")  # in Bob's own calendar app
    world.sync(BOB)
    world.sync(ALICE, CAROL)
    assert _only_activity(world).location == "Room 4"
    for email in (ALICE, BOB, CAROL):
        (copy,) = world.entries(email).values()
        assert (str(copy["summary"]), str(copy["location"])) == ("Design review, round 2", "Room 4")


def test_cal_14_bey_1_a_participant_without_a_calendar_is_listed_and_the_others_get_their_copies(
    world: CaldavWorld,
) -> None:
    guid = _meeting(world, BOB, DAVE)

    dave = world.sync(DAVE)  # Dave has no account on the CalDAV server: his own run fails, saying why
    world.sync(ALICE, BOB)

    assert dave.record.error is not None
    assert world.reports[-1].record.error is None
    for email in (ALICE, BOB):
        (copy,) = world.entries(email).values()
        assert str(copy["uid"]) == event_id_for(guid)
        assert DAVE in _attendees(copy)  # still an attendee, as in the PSA
    assert [a.name for a in world.activities()] == ["Design review"]


def test_cal_14_bey_1_a_participants_answer_in_their_own_copy_becomes_their_psa_status(world: CaldavWorld) -> None:
    guid = _meeting(world, BOB, CAROL)
    world.sync(ALICE, BOB, CAROL)

    event = world.app(BOB).event_by_uid(event_id_for(guid))  # Bob answers in his calendar app
    (mine,) = [line for line in event.icalendar_component["attendee"] if BOB in str(line).lower()]
    mine.params["PARTSTAT"] = "ACCEPTED"
    event.save()
    world.sync(BOB)
    world.sync(ALICE, CAROL, BOB)

    assert _status(world, BOB) is ParticipantStatus.ACCEPTED
    assert _status(world, CAROL) is not ParticipantStatus.ACCEPTED
    assert _attendees(world.entries(BOB)[event_id_for(guid)])[BOB]["PARTSTAT"] == "ACCEPTED"  # his answer stays
    assert [a.name for a in world.activities()] == ["Design review"]


def test_cal_14_bey_1_a_participant_taken_off_in_the_psa_loses_their_copy_and_a_deleted_meeting_leaves_all(
    world: CaldavWorld,
) -> None:
    guid = _meeting(world, BOB, CAROL)
    world.sync(ALICE, BOB, CAROL)

    with world.tandem.db.read() as session:
        row = lookup.get(session, Row, guid, "activity")
        kept = tuple(p for p in participants_of(row) if p.ref_guid != world.users[CAROL].guid)
    world.change_activity(guid, participants=kept)
    world.sync(CAROL, ALICE, BOB)
    world.sync(CAROL, ALICE, BOB)  # Carol's sync meets the meeting again: she must not get it back

    assert world.entries(CAROL) == {}
    for email in (ALICE, BOB):
        (copy,) = world.entries(email).values()
        assert CAROL not in _attendees(copy)
    assert [p.ref_guid for p in _only_activity(world).participants] == [world.users[BOB].guid]

    with world.tandem.db.write() as session:
        activities.delete(session, lookup.get(session, Row, guid, "activity"), factories.ACTOR)
    world.sync(BOB, ALICE, CAROL)
    assert [world.entries(email) for email in (ALICE, BOB, CAROL)] == [{}, {}, {}]
