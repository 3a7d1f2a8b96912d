"""BEY-10: on a `fromGmail` entry (a flight, a reservation Gmail found) Google lets a write
change only colorId, reminders, visibility, transparency, status, attendees and the extended
properties. The adapter sends only those; a change of anything else is refused before it is
sent (InvalidRequest, so the sync sets the item aside with the reason: CAL-17), never
dropped in silence. Should a write reach Google anyway, its 400 is InvalidRequest too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from tandem.connectors.google import GoogleCalendar
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.errors import InvalidRequest
from tandem.emulators.google import EmulatorServer
from tandem.ports.calendar import EventUpdate
from tests.integration.google_adapter.helpers import ALICE, MakeGoogle

pytestmark = pytest.mark.anyio
NONE = SendUpdates.NONE
FLIGHT = {
    "start": {"dateTime": "2031-03-10T07:00:00Z"},
    "end": {"dateTime": "2031-03-10T10:00:00Z"},
    "summary": "Flight AY 917 to Oslo",
    "description": "Booking ABC123",
    "eventType": "fromGmail",
}


class Sent(list[dict[str, Any]]):
    """The bodies of the PATCH requests the adapter sent."""

    async def __call__(self, request: httpx.Request) -> None:
        if request.method == "PATCH":
            self.append(json.loads(request.content))


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
async def watched(make_google: MakeGoogle, sent: Sent) -> AsyncIterator[GoogleCalendar]:
    """An adapter whose PATCH bodies are recorded on their way out."""
    async with httpx.AsyncClient(timeout=10, event_hooks={"request": [sent]}) as http:
        yield await make_google(http=http)


async def _flight(google: GoogleCalendar, server: EmulatorServer) -> CalendarEvent:
    seeded = server.state.seed_event(ALICE, FLIGHT)
    event = await google.get(ALICE, seeded["id"])
    assert event is not None
    assert event.event_type == "fromGmail"
    return event


async def test_bey_10_the_adapter_sends_only_what_google_allows_on_a_from_gmail_entry(
    watched: GoogleCalendar, server: EmulatorServer, sent: Sent
) -> None:
    flight = await _flight(watched, server)
    marked = replace(flight, private=True, private_properties={"tandem": "w1"})
    written = await watched.update(
        ALICE, marked, if_match=flight.etag, send_updates=NONE, fields=frozenset({"private"})
    )
    assert sent == [{"visibility": "private", "extendedProperties": {"private": {"tandem": "w1"}}}]
    assert (written.private, written.summary, written.private_properties) == (
        True,
        "Flight AY 917 to Oslo",
        {"tandem": "w1"},
    )


async def test_bey_10_a_change_google_forbids_on_a_from_gmail_entry_is_refused_before_it_is_sent(
    watched: GoogleCalendar, server: EmulatorServer, sent: Sent
) -> None:
    flight = await _flight(watched, server)
    renamed = replace(flight, summary="Holiday", private=True)
    with pytest.raises(InvalidRequest) as refused:
        await watched.update(
            ALICE, renamed, if_match=flight.etag, send_updates=NONE, fields=frozenset({"summary", "private"})
        )
    assert str(refused.value) == (
        f"Google Calendar events.patch for {ALICE}: event {flight.id} is a fromGmail entry, on which Google "
        "lets only the attendees, private fields change (not summary)"
    )
    assert sent == []
    assert await watched.get(ALICE, flight.id) == flight


async def test_bey_10_in_a_batch_the_refused_write_is_one_outcome_and_the_others_go_through(
    watched: GoogleCalendar, server: EmulatorServer
) -> None:
    flight = await _flight(watched, server)
    moved = replace(flight, summary="Holiday")
    hidden = replace(flight, private=True)
    outcomes = await watched.batch(
        ALICE,
        [
            EventUpdate(moved, flight.etag, NONE, frozenset({"summary"})),
            EventUpdate(hidden, flight.etag, NONE, frozenset({"private"})),
        ],
    )
    assert isinstance(outcomes[0], InvalidRequest)
    assert isinstance(outcomes[1], CalendarEvent)
    assert (outcomes[1].private, outcomes[1].summary) == (True, "Flight AY 917 to Oslo")


async def test_bey_10_googles_own_refusal_of_a_restricted_write_is_invalid_request(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    """An event whose type the caller lost (read as `default`) still cannot change Google's
    fixed fields: Google's 400 eventTypeRestriction becomes InvalidRequest, set aside."""
    flight = await _flight(google, server)
    untyped = replace(flight, event_type="default", summary="Holiday")
    with pytest.raises(InvalidRequest) as refused:
        await google.update(ALICE, untyped, if_match=flight.etag, send_updates=NONE, fields=frozenset({"summary"}))
    assert str(refused.value) == (
        f"Google Calendar events.patch for {ALICE}: 400 eventTypeRestriction: Attempt made to modify "
        "'fromGmail' event in a way that is not valid for this event type."
    )
