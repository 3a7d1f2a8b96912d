"""Recurring series with the hub, the sync and the Google emulator (CAL-9, CAL-13, CAL-14):
an occurrence changed in the calendar becomes an exception of its series in the PSA, and
keeps what only the PSA knows of the series."""

from __future__ import annotations

from datetime import datetime, timedelta

from tandem.domain.activity import ParticipantKind
from tandem.hub.services.drafts import ParticipantDraft
from tandem.sync.ids import event_id_for
from tests.e2e.calendar.conftest import ALICE, BOB, World, instance_id, reschedule, soon
from tests.support import factories


def test_cal_13_a_moved_occurrence_keeps_the_series_type_customer_contact_and_room(world: World) -> None:
    kind = factories.activity_type(world.tandem, "Customer meeting", "CalendarEntry", calendar_sync=True)
    acme = factories.customer(world.tandem, "Acme")
    contact, room = world.contact_and_room(acme.guid, contact_email=None)
    first = soon(2, hour=9)
    series = factories.activity(
        world.tandem,
        world.users[ALICE],
        kind,
        first,
        first + timedelta(hours=1),
        "Customer meeting",
        customer_guid=acme.guid,
        rrule="FREQ=WEEKLY;COUNT=4",
        participants=(
            ParticipantDraft("User", world.users[BOB].guid),
            ParticipantDraft("Contact", contact),
            ParticipantDraft("Resource", room),
        ),
    )
    world.sync(ALICE)
    second = first + timedelta(days=7)
    moved_to = second + timedelta(hours=3)
    answer = world.calendar(ALICE).patch(instance_id(event_id_for(series), second), reschedule(moved_to))
    assert answer.status_code == 200, answer.text

    world.sync(ALICE)

    exceptions = [a for a in world.activities() if a.recurrence_parent_guid == series]
    assert len(exceptions) == 1
    (moved,) = exceptions
    assert (moved.start, moved.original_start) == (moved_to, second)
    assert moved.type_guid == kind.guid  # once: the default type
    assert moved.customer_guid == acme.guid  # once: none
    kinds = {(p.kind, p.ref_guid) for p in moved.participants}
    # once: only the participants Google knows (the contact and the room were lost)
    assert kinds == {
        (ParticipantKind.USER, world.users[BOB].guid),
        (ParticipantKind.CONTACT, contact),
        (ParticipantKind.RESOURCE, room),
    }
    assert moved.name == "Customer meeting"
    assert moved.owner_guid == world.users[ALICE].guid
    assert moved.recurrence is None
    # and the calendar still has one series with the moved occurrence, nothing doubled
    starts = sorted(
        datetime.fromisoformat(e["start"]["dateTime"])
        for e in world.events(ALICE, singleEvents="true")
        if e.get("recurringEventId") == event_id_for(series)
    )
    assert starts == [first, moved_to, first + timedelta(days=14), first + timedelta(days=21)]


def test_cal_9_a_series_renamed_in_the_psa_renames_its_moved_occurrence_on_both_sides(world: World) -> None:
    series, first = world.standup()
    second = first + timedelta(days=1)
    moved_to = second + timedelta(hours=2)
    instance = instance_id(event_id_for(series), second)
    assert world.calendar(ALICE).patch(instance, reschedule(moved_to)).status_code == 200
    world.sync(ALICE)
    (exception,) = [a for a in world.activities() if a.recurrence_parent_guid == series]

    with world.tandem.db.write() as session:
        from tandem.hub.models import Activity as Row
        from tandem.hub.services import activities, lookup
        from tandem.hub.services.drafts import draft_of

        row = lookup.get(session, Row, series, "activity")
        activities.update(session, row, draft_of(row, name="Daily sync"), factories.ACTOR)
    # the hub's exception follows at once, before any sync ran (once: only after Google's copy came back)
    names = {a.guid: a.name for a in world.activities()}
    assert (names[series], names[exception.guid]) == ("Daily sync", "Daily sync")

    world.sync(ALICE)
    occurrences = [e for e in world.events(ALICE, singleEvents="true") if e.get("recurringEventId")]
    assert sorted(e["summary"] for e in occurrences) == ["Daily sync"] * 3
    shown = world.calendar(ALICE).get(f"/{instance}").json()
    assert datetime.fromisoformat(shown["start"]["dateTime"]) == moved_to  # still moved
    (after,) = [a for a in world.activities() if a.guid == exception.guid]
    assert (after.name, after.start) == ("Daily sync", moved_to)
