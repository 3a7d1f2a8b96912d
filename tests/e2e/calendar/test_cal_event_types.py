"""Google's event types through a real sync (BEY-10): a calendar holds more than meetings,
and what is not work never becomes a PSA activity."""

from __future__ import annotations

from datetime import timedelta

from tandem.domain.activity import ActivityCategory
from tandem.hub.models import ActivityType
from tandem.hub.services.drafts import ParticipantDraft
from tandem.sync.ids import event_id_for
from tests.e2e.calendar.conftest import ALICE, BOB, World, event_body, soon
from tests.support import factories


def test_bey_10_working_locations_and_birthdays_never_become_activities(world: World) -> None:
    alice = world.calendar(ALICE)
    day = soon(2, hour=8)
    entries = [
        event_body("Customer workshop", day + timedelta(hours=1)),
        event_body("Deep work", day + timedelta(hours=3), eventType="focusTime"),
        event_body("Away", day + timedelta(days=1), eventType="outOfOffice"),
        event_body(
            "Office", day, hours=9, eventType="workingLocation", transparency="transparent", visibility="public"
        ),
        {
            "summary": "Ben's birthday",
            "start": {"date": day.date().isoformat()},
            "end": {"date": (day.date() + timedelta(days=1)).isoformat()},
            "eventType": "birthday",
            "recurrence": ["RRULE:FREQ=YEARLY"],
            "visibility": "private",
            "transparency": "transparent",
        },
    ]
    for body in entries:
        made = alice.insert(body)
        assert made.status_code == 200, made.text

    report = world.sync(ALICE)

    assert report.record.error is None
    # once: "Office" (every working day of a Workspace user) and the birthday became activities too
    assert sorted(a.name for a in world.activities()) == ["Away", "Customer workshop", "Deep work"]
    world.sync(ALICE)  # and a later run does not change its mind
    assert sorted(a.name for a in world.activities()) == ["Away", "Customer workshop", "Deep work"]
    assert "Office" in world.titles(ALICE)  # Tandem never touches them in the calendar either
    assert "Ben's birthday" in world.titles(ALICE)


def test_bey_10_an_out_of_office_comes_in_as_an_absence(world: World) -> None:
    absence = factories.activity_type(world.tandem, "Absence", "Absences")
    day = soon(3, hour=8)
    away = world.calendar(ALICE).insert(event_body("Dentist", day, hours=2, eventType="outOfOffice"))
    assert away.status_code == 200, away.text
    world.calendar(ALICE).insert(event_body("Planning", day + timedelta(hours=3)))

    world.sync(ALICE)

    assert world.activity("Dentist").type_guid == absence.guid  # once: the default type, a "meeting"
    assert world.activity("Dentist").category is ActivityCategory.ABSENCES
    assert world.activity("Planning").type_guid == world.types["Meeting"].guid


def test_bey_10_focus_time_comes_in_as_the_users_own_entry_personal_when_private(world: World) -> None:
    day = soon(3, hour=8)
    for name, visibility in (("Deep work", "default"), ("Writing", "private")):
        made = world.calendar(ALICE).insert(event_body(name, day, eventType="focusTime", visibility=visibility))
        assert made.status_code == 200, made.text
        day += timedelta(hours=2)

    world.sync(ALICE)

    assert world.activity("Deep work").type_guid == world.types["Meeting"].guid
    assert world.activity("Deep work").owner_guid == world.users[ALICE].guid
    assert world.activity("Writing").type_guid == world.types["Personal"].guid  # CAL-6 holds for focus time


def _absence_type(world: World) -> ActivityType:
    return factories.activity_type(world.tandem, "Absence", "Absences", calendar_sync=True)


def test_bey_10_an_absence_goes_out_as_an_out_of_office_entry(world: World) -> None:
    absence = _absence_type(world)
    start = soon(3, hour=8)
    guid = factories.activity(world.tandem, world.users[ALICE], absence, start, start + timedelta(hours=4), "Dentist")

    first = world.sync(ALICE)

    (event,) = world.events(ALICE)
    assert event["id"] == event_id_for(guid)
    assert event.get("eventType") == "outOfOffice"  # once: a default event, a "meeting"
    assert event.get("transparency", "opaque") == "opaque"
    assert event["outOfOfficeProperties"]["autoDeclineMode"] == "declineNone"  # nobody's meeting is declined
    assert first.record.counts.events_created == 1
    # It comes back as the same absence: nothing changes on either side.
    again = world.sync(ALICE)
    assert again.plan is not None
    assert again.plan.is_empty
    assert world.activity("Dentist").type_guid == absence.guid


def test_bey_10_an_absence_google_cannot_hold_as_out_of_office_goes_out_as_a_busy_event(world: World) -> None:
    absence = _absence_type(world)
    day = soon(4, hour=0).date()
    factories.activity(
        world.tandem, world.users[ALICE], absence, day, day + timedelta(days=2), "Holiday", is_all_day=True
    )
    start = soon(3, hour=10)
    factories.activity(
        world.tandem,
        world.users[ALICE],
        absence,
        start,
        start + timedelta(hours=2),
        "Training with Bob",
        participants=(ParticipantDraft("User", world.users[BOB].guid),),
    )

    report = world.sync(ALICE)

    assert report.record.error is None
    assert report.record.counts.quarantined == 0
    kinds = {
        e["summary"]: (e.get("eventType", "default"), e.get("transparency", "opaque")) for e in world.events(ALICE)
    }
    # All-day (Google refuses an all-day out-of-office) and with a guest (a meeting): busy events.
    assert kinds == {"Holiday": ("default", "opaque"), "Training with Bob": ("default", "opaque")}


def test_bey_10_an_absence_google_refuses_as_out_of_office_goes_out_as_a_busy_event(world: World) -> None:
    world.server.state.deny_status_events(ALICE)  # an account whose edition has no status events
    start = soon(3, hour=8)
    factories.activity(
        world.tandem, world.users[ALICE], _absence_type(world), start, start + timedelta(hours=4), "Dentist"
    )

    report = world.sync(ALICE)

    assert report.record.error is None
    assert report.record.counts.quarantined == 0
    (event,) = world.events(ALICE)
    assert (event["summary"], event.get("eventType", "default")) == ("Dentist", "default")  # once: set aside
    assert event.get("transparency", "opaque") == "opaque"
