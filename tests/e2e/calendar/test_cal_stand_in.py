"""A meeting whose owner's calendar cannot hold it (CAL-14): the owner has no calendar
account, or has sync off, while participants sync. Each syncing participant gets the
activity once, as their own stand-in copy (no guests, so nobody is mailed on the owner's
behalf); deleting the copy declines; when the owner's calendar can hold it, the copies go
and the owner's event with its invitations takes their place, never twice in any calendar.
The rule: docs/calendar-sync.md, "Owner without a calendar"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tandem.domain.activity import ParticipantKind, ParticipantStatus
from tandem.hub.services.drafts import ParticipantDraft
from tandem.sync.ids import event_id_for, stand_in_event_id_for
from tests.e2e.calendar.conftest import ALICE, BOB, CAROL, DAVE, World, soon
from tests.support import factories


def _meeting(world: World, owner: str, *guests: str, name: str = "Review") -> str:
    start = soon(3, hour=10)
    return factories.activity(
        world.tandem,
        world.users[owner],
        world.types["Meeting"],
        start,
        start + timedelta(hours=1),
        name,
        participants=tuple(ParticipantDraft("User", world.users[g].guid) for g in guests),
    )


def _copies(world: World, email: str) -> list[tuple[str, str, list[str]]]:
    """(id, summary, attendee emails) of every live event in the user's calendar."""
    return sorted(
        (e["id"], e.get("summary", ""), sorted(a["email"] for a in e.get("attendees", ()))) for e in world.events(email)
    )


def _status(world: World, guid: str, email: str) -> ParticipantStatus:
    (activity,) = [a for a in world.activities() if a.guid == guid]
    (mine,) = [
        p for p in activity.participants if p.kind is ParticipantKind.USER and p.ref_guid == world.users[email].guid
    ]
    return mine.status


@pytest.mark.parametrize("order", [(ALICE, BOB), (BOB, ALICE)])
def test_cal_14_an_owner_without_a_calendar_account_still_reaches_each_participant_once(
    world: World, order: tuple[str, str]
) -> None:
    guid = _meeting(world, DAVE, ALICE, BOB)
    failed = world.sync(DAVE)  # Dave has no Google account: his sync fails, with its reason
    assert failed.record.error is not None

    reports = [world.sync(email) for email in order]

    assert [r.record.error for r in reports] == [None, None]
    copy = (stand_in_event_id_for(guid), "Review", [])
    assert _copies(world, ALICE) == [copy]  # once: nothing (a colleague's event is theirs to write)
    assert _copies(world, BOB) == [copy]
    assert world.mails() == []  # no guests on a copy: nobody is invited on Dave's behalf
    assert [a.name for a in world.activities()] == ["Review"]
    again = [world.sync(email) for email in order]
    assert [r.plan is not None and r.plan.is_empty for r in again] == [True, True]


def test_cal_14_stand_in_copies_follow_the_psa_and_bring_a_participants_edit_back(world: World) -> None:
    guid = _meeting(world, DAVE, ALICE, BOB)
    world.sync(DAVE, ALICE, BOB)

    with world.tandem.db.write() as session:
        from tandem.hub.models import Activity as Row
        from tandem.hub.services import activities, lookup
        from tandem.hub.services.drafts import draft_of

        row = lookup.get(session, Row, guid, "activity")
        activities.update(session, row, draft_of(row, name="Quarterly review"), factories.ACTOR)
    world.sync(ALICE, BOB)
    assert [c[1] for c in _copies(world, ALICE) + _copies(world, BOB)] == ["Quarterly review"] * 2

    later = soon(3, hour=14)
    body: dict[str, Any] = {
        "start": {"dateTime": later.isoformat()},
        "end": {"dateTime": (later + timedelta(hours=1)).isoformat()},
    }
    assert world.calendar(ALICE).patch(stand_in_event_id_for(guid), body).status_code == 200
    world.sync(ALICE, BOB)

    assert world.activity("Quarterly review").start == later  # Alice's move reached the PSA...
    (bobs,) = world.events(BOB)
    assert bobs["start"]["dateTime"] is not None
    assert (bobs["id"], bobs["start"]["dateTime"][:16]) == (
        stand_in_event_id_for(guid),
        later.astimezone(bobs_zone(bobs)).isoformat()[:16],
    )  # ...and Bob's copy
    assert world.mails() == []


def bobs_zone(event: dict[str, Any]) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(event["start"].get("timeZone") or "UTC")


def test_cal_14_deleting_a_stand_in_copy_declines_and_it_is_not_made_again(world: World) -> None:
    guid = _meeting(world, DAVE, ALICE, BOB)
    world.sync(DAVE, ALICE, BOB)

    assert world.calendar(BOB).delete(stand_in_event_id_for(guid)).status_code == 204
    world.sync(BOB)
    world.sync(BOB, ALICE)

    assert _status(world, guid, BOB) is ParticipantStatus.DECLINED
    assert _copies(world, BOB) == []  # once: made again at every run
    assert _copies(world, ALICE) == [(stand_in_event_id_for(guid), "Review", [])]
    assert [a.name for a in world.activities()] == ["Review"]  # the meeting itself stays


@pytest.mark.parametrize("owner_first", [True, False])
def test_cal_14_an_owner_who_turns_sync_on_takes_the_meeting_over_without_a_duplicate(
    world: World, owner_first: bool
) -> None:
    world.change_user(ALICE, calendar_sync_enabled=False)
    guid = _meeting(world, ALICE, BOB, CAROL)
    world.sync(BOB, CAROL)
    assert _copies(world, BOB) == [(stand_in_event_id_for(guid), "Review", [])]
    assert _copies(world, CAROL) == [(stand_in_event_id_for(guid), "Review", [])]

    world.change_user(ALICE, calendar_sync_enabled=True)
    rounds = [(ALICE, BOB, CAROL), (ALICE, BOB, CAROL)] if owner_first else [(BOB, CAROL, ALICE)]
    seen_by_bob: list[list[tuple[str, str, list[str]]]] = []
    for emails in rounds:
        for email in emails:
            world.sync(email)
            seen_by_bob.append(_copies(world, BOB))

    meeting = (event_id_for(guid), "Review", sorted([BOB, CAROL]))
    assert _copies(world, ALICE) == [meeting]
    assert _copies(world, BOB) == [meeting]
    assert _copies(world, CAROL) == [meeting]
    assert all(len(shown) <= 1 for shown in seen_by_bob)  # never two at any moment
    assert sorted((m[0], m[1]) for m in world.mails()) == [(BOB, "invitation"), (CAROL, "invitation")]
