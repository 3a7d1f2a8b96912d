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
from tandem.domain.errors import PreconditionFailed
from tandem.emulators.google import EmulatorServer
from tests.integration.google_adapter.helpers import ALICE, BOB, MakeGoogle, primary_calendar, user_edit
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


def _units(server: EmulatorServer) -> dict[str, int]:
    """Calls by endpoint as the emulator counted them (patch costs Google 3 quota units)."""
    return {k: v for k, v in server.state.request_counts().get(ALICE, {}).items() if k.startswith("events.")}


async def test_bey_3_an_update_of_an_event_the_adapter_last_saw_is_one_quota_unit_and_keeps_what_tandem_does_not_know(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    """issue 13: events.update (1 unit) with the copy Google last showed, not events.patch (3);
    the user's own colour and reminders, which Tandem does not sync, go back as they were."""
    written = await google.insert(ALICE, meeting(), send_updates=SendUpdates.NONE)
    personal = {"colorId": "5", "reminders": {"useDefault": False, "overrides": [{"method": "popup", "minutes": 7}]}}
    await user_edit(google, server, ALICE, "PATCH", f"/{written.id}", personal)
    (seen,) = (await google.changes(ALICE, None)).events  # as a run reads it
    server.state.reset_counters()
    renamed = await google.update(
        ALICE, replace(seen, summary="Renamed"), if_match=seen.etag, send_updates=SendUpdates.NONE, fields=None
    )
    assert _units(server) == {"events.update": 1}
    assert renamed.summary == "Renamed"
    async with primary_calendar(google, server, ALICE) as client:
        stored = (await client.get(f"/events/{written.id}")).json()
    assert stored["colorId"] == "5"
    assert stored["reminders"] == personal["reminders"]
    assert stored["summary"] == "Renamed"


@pytest.mark.parametrize("restarted", [False, True], ids=["copy held", "copy read first"])
async def test_bey_3_an_update_from_a_copy_older_than_a_change_in_google_is_refused_and_the_change_kept(
    google: GoogleCalendar, make_google: MakeGoogle, server: EmulatorServer, restarted: bool
) -> None:
    """The copy the adapter sends back is the version the write expects (its etag is the
    If-Match): a user's change made since is never overwritten by the older copy, whether
    the adapter held the copy or (restarted) read the newer one just before."""
    written = await google.insert(ALICE, meeting(), send_updates=SendUpdates.NONE)
    await user_edit(google, server, ALICE, "PATCH", f"/{written.id}", {"location": "Room 2"})
    writer = await make_google() if restarted else google
    with pytest.raises(PreconditionFailed):
        await writer.update(
            ALICE, replace(written, summary="Mine"), if_match=written.etag, send_updates=SendUpdates.NONE
        )
    async with primary_calendar(google, server, ALICE) as client:
        stored = (await client.get(f"/events/{written.id}")).json()
    assert (stored["location"], stored["summary"]) == ("Room 2", written.summary)


async def test_bey_3_an_adapter_that_has_not_seen_the_event_reads_it_and_updates_it_keeping_the_users_own_fields(
    google: GoogleCalendar, make_google: MakeGoogle, server: EmulatorServer
) -> None:
    """issue 13: a fresh adapter (a restarted Tandem) holds no copy: it reads the event
    (events.get, 1 unit) and updates it (1 unit) where a patch would cost 3, never a whole
    event made up from Tandem's fields alone: the user's colour and reminders stay."""
    written = await google.insert(ALICE, meeting(), send_updates=SendUpdates.NONE)
    personal = {"colorId": "5", "reminders": {"useDefault": False, "overrides": [{"method": "popup", "minutes": 7}]}}
    await user_edit(google, server, ALICE, "PATCH", f"/{written.id}", personal)
    restarted = await make_google()
    current = await restarted.get(ALICE, written.id)
    assert current is not None
    fresh = await make_google()
    server.state.reset_counters()
    await fresh.update(ALICE, replace(current, summary="Mine"), if_match=current.etag, send_updates=SendUpdates.NONE)
    assert _units(server) == {"events.get": 1, "events.update": 1}
    async with primary_calendar(google, server, ALICE) as client:
        stored = (await client.get(f"/events/{written.id}")).json()
    assert (stored["colorId"], stored["summary"]) == ("5", "Mine")
    assert stored["reminders"] == personal["reminders"]
