"""What a write may change on the event types Google keeps mostly fixed (GOOGLE_NOTES "Event
types", BEY-10): on a `fromGmail` entry only colorId, reminders, visibility, transparency,
status, attendees and the extended properties; on a birthday only summary, colour, reminders
and the date (still one all-day day; never for a birthday tied to a contact). Anything else
is 400 `eventTypeRestriction`, by patch and by update alike, and leaves the event as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tandem.emulators.google import EmulatorServer
from tests.integration.google_emulator.helpers import (
    ALICE,
    Calendar,
    all_day,
    birthday,
    http_client,
    invalid_parameter,
    timed,
)

FLIGHT = timed(
    "2030-05-06T09:00:00+03:00",
    "2030-05-06T12:00:00+03:00",
    summary="Flight AY 917 to Oslo",
    description="Booking ABC123",
    location="Helsinki Airport",
    eventType="fromGmail",
)
BIRTHDAY = birthday("Ben's birthday")
CONTACT = {"contact": "people/c12345", "type": "birthday"}


def _restriction(kind: str) -> dict[str, Any]:
    message = f"Attempt made to modify '{kind}' event in a way that is not valid for this event type."
    return {
        "error": {
            "errors": [{"domain": "calendar", "reason": "eventTypeRestriction", "message": message}],
            "code": 400,
            "message": message,
        }
    }


def _write(calendar: Calendar, method: str, event_id: str, change: dict[str, Any]) -> httpx.Response:
    """The change as a patch, or as an update of the whole event read just before."""
    if method == "patch":
        return calendar.patch(event_id, change)
    current = calendar.get(f"/{event_id}").json()
    return calendar.update(event_id, {**current, **change})


def _accepted(calendar: Calendar, method: str, event_id: str, change: dict[str, Any]) -> dict[str, Any]:
    """The change written (_write) and accepted: the event as the answer shows it."""
    written = _write(calendar, method, event_id, change)
    assert written.status_code == 200, written.text
    return dict(written.json())


def _refused(calendar: Calendar, method: str, event: dict[str, Any], change: dict[str, Any], kind: str) -> None:
    """The change written (_write) is refused as Google refuses it on this type of event, and
    the event stays as it was."""
    refused = _write(calendar, method, event["id"], change)
    assert (refused.status_code, refused.json()) == (400, _restriction(kind))
    assert calendar.get(f"/{event['id']}").json() == event


@pytest.fixture
def alice(calendar_of: Callable[[str], Calendar]) -> Calendar:
    return calendar_of(ALICE)


@pytest.fixture
def flight(server: EmulatorServer) -> dict[str, Any]:
    return server.state.seed_event(ALICE, FLIGHT)


ALLOWED_ON_GMAIL = [
    pytest.param({"colorId": "5"}, id="colour"),
    pytest.param({"reminders": {"useDefault": False, "overrides": [{"method": "popup", "minutes": 90}]}}, id="remind"),
    pytest.param({"visibility": "private"}, id="visibility"),
    pytest.param({"transparency": "transparent"}, id="transparency"),
    pytest.param({"status": "tentative"}, id="status"),
    pytest.param({"attendees": [{"email": ALICE, "responseStatus": "declined"}]}, id="attendees"),
    pytest.param({"extendedProperties": {"private": {"tandem": "1"}, "shared": {"trip": "oslo"}}}, id="properties"),
]
SHOWN_AS = {"attendees": [{"email": ALICE, "organizer": True, "self": True, "responseStatus": "declined"}]}
"""How the API shows a written value where it adds to it (the organiser's own entry)."""
FORBIDDEN_ON_GMAIL = [
    pytest.param({"summary": "Holiday"}, id="summary"),
    pytest.param({"description": "Moved"}, id="description"),
    pytest.param({"location": "Vantaa"}, id="location"),
    pytest.param(
        timed("2030-05-06T10:00:00+03:00", "2030-05-06T13:00:00+03:00"),
        id="times",
    ),
    pytest.param({"guestsCanModify": True}, id="guest-rights"),
]


def test_bey_10_a_from_gmail_entry_is_seeded_as_gmail_makes_it(alice: Calendar, flight: dict[str, Any]) -> None:
    read = alice.get(f"/{flight['id']}").json()
    assert (read["eventType"], read["summary"], read["etag"]) == ("fromGmail", "Flight AY 917 to Oslo", flight["etag"])
    assert [e["id"] for e in alice.list()["items"]] == [flight["id"]]
    assert alice.server.state.notifications() == ()


@pytest.mark.parametrize("method", ["patch", "update"])
@pytest.mark.parametrize("change", ALLOWED_ON_GMAIL)
def test_bey_10_what_google_lets_change_on_a_from_gmail_entry_changes(
    alice: Calendar, flight: dict[str, Any], method: str, change: dict[str, Any]
) -> None:
    event = _accepted(alice, method, flight["id"], change)
    assert {name: event[name] for name in change} == {name: SHOWN_AS.get(name, v) for name, v in change.items()}
    assert (event["summary"], event["start"], event["eventType"]) == (
        "Flight AY 917 to Oslo",
        {"dateTime": "2030-05-06T06:00:00Z"},
        "fromGmail",
    )


@pytest.mark.parametrize("method", ["patch", "update"])
@pytest.mark.parametrize("change", FORBIDDEN_ON_GMAIL)
def test_bey_10_anything_else_on_a_from_gmail_entry_is_400_event_type_restriction(
    alice: Calendar, flight: dict[str, Any], method: str, change: dict[str, Any]
) -> None:
    _refused(alice, method, flight, change, "fromGmail")


def test_bey_10_an_update_that_sends_a_from_gmail_entry_back_unchanged_passes(
    alice: Calendar, flight: dict[str, Any]
) -> None:
    same = alice.update(flight["id"], flight)
    assert same.status_code == 200, same.text
    assert {k: v for k, v in same.json().items() if k not in ("etag", "updated")} == {
        k: v for k, v in flight.items() if k not in ("etag", "updated")
    }


def test_bey_10_an_update_that_leaves_out_a_field_of_a_from_gmail_entry_clears_it_and_is_refused(
    alice: Calendar, flight: dict[str, Any]
) -> None:
    without = {k: v for k, v in flight.items() if k != "description"}
    refused = alice.update(flight["id"], without)
    assert (refused.status_code, refused.json()) == (400, _restriction("fromGmail"))


def test_bey_10_a_from_gmail_entry_is_still_never_inserted_through_the_api(
    calendar_of: Callable[[str], Calendar],
) -> None:
    refused = calendar_of(ALICE).insert(FLIGHT)
    assert refused.status_code == 400
    assert refused.json()["error"]["errors"][0] == invalid_parameter(
        "eventType", "Events of type fromGmail cannot be created through the API."
    )


ALLOWED_ON_BIRTHDAY = [
    pytest.param({"summary": "Benjamin's birthday"}, id="summary"),
    pytest.param({"colorId": "3"}, id="colour"),
    pytest.param(
        {"reminders": {"useDefault": False, "overrides": [{"method": "email", "minutes": 1440}]}}, id="remind"
    ),
    pytest.param(all_day("2030-05-08", "2030-05-09"), id="date"),
]
FORBIDDEN_ON_BIRTHDAY = [
    pytest.param({"description": "Cake"}, id="description"),
    pytest.param({"location": "Office"}, id="location"),
    pytest.param({"visibility": "public"}, id="visibility"),
    pytest.param({"transparency": "opaque"}, id="transparency"),
    pytest.param({"status": "tentative"}, id="status"),
    pytest.param({"extendedProperties": {"private": {"tandem": "1"}}}, id="properties"),
    pytest.param({"attendees": [{"email": "bob@example.com"}]}, id="attendees"),
    pytest.param(all_day("2030-05-08", "2030-05-10"), id="two-days"),
    pytest.param(
        {
            "start": {"dateTime": "2030-05-08T09:00:00Z", "timeZone": "UTC"},
            "end": {"dateTime": "2030-05-09T09:00:00Z", "timeZone": "UTC"},
        },
        id="timed",
    ),
]


@pytest.mark.parametrize("method", ["patch", "update"])
@pytest.mark.parametrize("change", ALLOWED_ON_BIRTHDAY)
def test_bey_10_what_google_lets_change_on_a_birthday_changes(
    alice: Calendar, method: str, change: dict[str, Any]
) -> None:
    event = _accepted(alice, method, alice.insert(BIRTHDAY).json()["id"], change)
    assert {name: event[name] for name in change} == change
    assert (event["eventType"], event["recurrence"], event["visibility"]) == (
        "birthday",
        ["RRULE:FREQ=YEARLY"],
        "private",
    )


@pytest.mark.parametrize("method", ["patch", "update"])
@pytest.mark.parametrize("change", FORBIDDEN_ON_BIRTHDAY)
def test_bey_10_anything_else_on_a_birthday_is_400_event_type_restriction(
    alice: Calendar, method: str, change: dict[str, Any]
) -> None:
    _refused(alice, method, alice.insert(BIRTHDAY).json(), change, "birthday")


@pytest.mark.parametrize("method", ["patch", "update"])
def test_bey_10_a_birthday_tied_to_a_contact_keeps_its_date(
    alice: Calendar, server: EmulatorServer, method: str
) -> None:
    seeded = server.state.seed_event(ALICE, {**BIRTHDAY, "birthdayProperties": CONTACT})
    assert seeded["birthdayProperties"] == CONTACT
    redated = _write(alice, method, seeded["id"], all_day("2030-05-08", "2030-05-09"))
    assert (redated.status_code, redated.json()) == (400, _restriction("birthday"))
    renamed = _accepted(alice, method, seeded["id"], {"summary": "Benjamin"})
    assert (renamed["summary"], renamed["start"], renamed["birthdayProperties"]) == (
        "Benjamin",
        {"date": "2030-05-06"},
        CONTACT,
    )


def test_bey_10_the_seeding_control_answers_with_the_event_or_with_googles_refusal(server: EmulatorServer) -> None:
    with http_client(base_url=f"{server.base_url}/emulator") as controls:
        made = controls.post(f"/calendars/{ALICE}/events", json=FLIGHT)
        assert made.status_code == 200
        assert (made.json()["eventType"], made.json()["summary"]) == ("fromGmail", "Flight AY 917 to Oslo")
        broken = controls.post(f"/calendars/{ALICE}/events", json={**FLIGHT, "end": {"dateTime": "2030-05-06T05:00Z"}})
        assert (broken.status_code, broken.json()["error"]["errors"][0]["reason"]) == (400, "timeRangeEmpty")
        nobody = controls.post("/calendars/nobody@example.com/events", json=FLIGHT)
        assert nobody.status_code == 404
        shown = controls.get(f"/calendars/{ALICE}").json()["items"]
    assert [e["id"] for e in shown] == [made.json()["id"]]
