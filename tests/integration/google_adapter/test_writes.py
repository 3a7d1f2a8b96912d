"""Writes as Google carries them further: sendUpdates reaches the attendees' mailboxes (CAL-16
is decided by the core; the adapter passes it through), invitations appear in attendees'
calendars under the same id, and an occurrence is written through its instance id."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from tandem.connectors.google import GoogleCalendar
from tandem.domain.activity import Recurrence
from tandem.domain.calendar import Attendee, ResponseStatus, SendUpdates
from tandem.emulators.google import EmulatorServer
from tests.integration.google_adapter.helpers import ALICE, BOB
from tests.support.calendar_contract import local, meeting

pytestmark = pytest.mark.anyio
GUEST = "guest@partner.org"


def _mail(server: EmulatorServer) -> list[tuple[str, str]]:
    return sorted((n.recipient, n.kind) for n in server.state.notifications())


async def test_send_updates_is_passed_to_google_on_every_write(google: GoogleCalendar, server: EmulatorServer) -> None:
    event = meeting(attendees=(Attendee(BOB), Attendee(GUEST)))
    written = await google.insert(ALICE, event, send_updates=SendUpdates.ALL)
    assert _mail(server) == [(BOB, "invitation"), (GUEST, "invitation")]

    server.state.clear_notifications()
    moved = replace(written, start=local(2031, 3, 10, 12), end=local(2031, 3, 10, 13))
    written = await google.update(
        ALICE, moved, if_match=written.etag, send_updates=SendUpdates.NONE, fields=frozenset({"timing"})
    )
    assert _mail(server) == []

    await google.delete(ALICE, written.id, if_match=written.etag, send_updates=SendUpdates.EXTERNAL_ONLY)
    assert _mail(server) == [(GUEST, "cancellation")]


async def test_an_invitation_shows_in_the_attendees_calendar_under_the_same_id(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    assert google.fans_out_invitations
    event = meeting(attendees=(Attendee(BOB, display_name="Bob"),))
    await google.insert(ALICE, event, send_updates=SendUpdates.NONE)
    copies = (await google.changes(BOB, None)).events
    assert [c.id for c in copies] == [event.id]
    copy = copies[0]
    assert copy.organizer_email == ALICE
    bob = next(a for a in copy.attendees if a.email == BOB)
    assert bob.is_self
    assert bob.response_status is ResponseStatus.NEEDS_ACTION

    answered = replace(copy, attendees=(replace(bob, response_status=ResponseStatus.ACCEPTED),))
    await google.update(
        BOB, answered, if_match=copy.etag, send_updates=SendUpdates.NONE, fields=frozenset({"attendees"})
    )
    organiser_view = await google.get(ALICE, event.id)
    assert organiser_view is not None
    assert [(a.email, a.response_status) for a in organiser_view.attendees] == [(BOB, ResponseStatus.ACCEPTED)]


async def test_an_occurrence_is_moved_by_writing_its_instance_id(google: GoogleCalendar) -> None:
    first = local(2031, 3, 10, 9)
    series = await google.insert(
        ALICE,
        meeting("Weekly", start=first, end=first + timedelta(hours=1), recurrence=Recurrence("FREQ=WEEKLY;COUNT=4")),
        send_updates=SendUpdates.NONE,
    )
    original = first + timedelta(weeks=1)
    occurrence_id = f"{series.id}_{original.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    moved = replace(
        series,
        id=occurrence_id,
        recurrence=None,
        recurring_event_id=series.id,
        original_start=original,
        start=original + timedelta(days=1),
        end=original + timedelta(days=1, hours=1),
    )
    written = await google.update(
        ALICE, moved, if_match=None, send_updates=SendUpdates.NONE, fields=frozenset({"timing"})
    )
    assert (written.id, written.recurring_event_id) == (occurrence_id, series.id)
    assert written.original_start == original.astimezone(UTC)
    assert written.start == (original + timedelta(days=1)).astimezone(UTC)
    read = await google.changes(ALICE, None)
    assert {e.id for e in read.events} == {series.id, occurrence_id}
