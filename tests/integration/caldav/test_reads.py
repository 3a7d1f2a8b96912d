"""Reads of a CalDAV calendar: sync tokens, a refused token, the etag fall-back for servers
without sync-collection, and what a person's calendar app writes (BEY-1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from tandem.connectors.caldav import CaldavCalendar, CaldavSettings
from tandem.domain.activity import Recurrence
from tandem.domain.calendar import CalendarEvent
from tandem.domain.errors import FullSyncRequired
from tandem.sync.ids import occurrence_event_id
from tests.integration.caldav.conftest import ALICE, PASSWORD, NoSyncCollection
from tests.integration.caldav.helpers import App
from tests.support.calendar_contract import NONE, local, meeting

pytestmark = pytest.mark.anyio


async def test_bey_1_a_token_the_server_refuses_is_full_sync_required_and_a_full_read_follows(
    caldav: CaldavCalendar, settings: CaldavSettings, calendar_url: str
) -> None:
    kept = await caldav.insert(ALICE, meeting("Kept"), send_updates=NONE)
    # A token of another calendar of the same server: valid there, never issued here.
    other_url = calendar_url.rstrip("/") + "-other/"
    assert httpx.request("MKCALENDAR", other_url, auth=(ALICE, PASSWORD)).status_code == 201
    other = CaldavCalendar(replace(settings, calendar_url=other_url.replace(ALICE, "{email}")))
    foreign = (await other.changes(ALICE, None)).next_cursor
    await other.aclose()

    with pytest.raises(FullSyncRequired):
        await caldav.changes(ALICE, foreign)
    again = await caldav.changes(ALICE, None)
    assert again.full
    assert [e.id for e in again.events] == [kept.id]


async def test_bey_1_a_server_without_sync_collection_is_asked_once_then_read_by_etags(
    polling: CaldavCalendar, no_sync_collection: NoSyncCollection, calendar_url: str
) -> None:
    """The whole contract passes this way too (test_contract.py); here: what it costs."""
    ours = await polling.insert(ALICE, meeting("Ours"), send_updates=NONE)
    full = await polling.changes(ALICE, None)
    App(calendar_url).edit(ours.id, summary="Renamed in the app")
    later = await polling.changes(ALICE, full.next_cursor)
    quiet = await polling.changes(ALICE, later.next_cursor)
    assert [(e.id, e.summary) for e in later.events] == [(ours.id, "Renamed in the app")]
    assert not later.full
    assert quiet.events == ()
    assert no_sync_collection.refused == 1  # asked on the full read only


async def test_bey_1_what_a_calendar_app_adds_edits_and_deletes_shows_in_the_next_read(
    caldav: CaldavCalendar, calendar_url: str
) -> None:
    app = App(calendar_url)
    start = (await caldav.changes(ALICE, None)).next_cursor
    app.add("lunch-1@phone", "Lunch")
    added = await caldav.changes(ALICE, start)
    [lunch] = added.events
    assert lunch.summary == "Lunch"
    assert lunch.etag

    app.edit("lunch-1@phone", summary="Long lunch")
    edited = await caldav.changes(ALICE, added.next_cursor)
    assert [(e.id, e.summary) for e in edited.events] == [(lunch.id, "Long lunch")]
    read = await caldav.get(ALICE, lunch.id)
    assert read is not None
    assert read.summary == "Long lunch"

    app.remove("lunch-1@phone")
    removed = await caldav.changes(ALICE, edited.next_cursor)
    assert [(e.id, e.cancelled) for e in removed.events] == [(lunch.id, True)]


async def test_cal_9_a_moved_occurrence_is_its_own_event_and_one_an_app_cancels_is_an_exdate(
    caldav: CaldavCalendar, calendar_url: str
) -> None:
    first = local(2031, 3, 10, 9)  # `meeting`'s start
    series = meeting("Weekly", recurrence=Recurrence("FREQ=WEEKLY;COUNT=5"))
    written = await caldav.insert(ALICE, series, send_updates=NONE)
    original = first + timedelta(weeks=1)
    moved = CalendarEvent(
        id=occurrence_event_id(written.id, original),
        recurring_event_id=written.id,
        original_start=original,
        start=original + timedelta(hours=2),
        end=original + timedelta(hours=3),
        time_zone=written.time_zone,
        summary="Weekly, later that day",
    )
    await caldav.update(ALICE, moved, if_match=None, send_updates=NONE)
    App(calendar_url).cancel_occurrence(written.id, "Europe/Helsinki", "20310324T090000")

    events = {e.id: e for e in (await caldav.changes(ALICE, None)).events}
    assert set(events) == {written.id, moved.id}  # one resource: the series and its moved occurrence
    assert events[moved.id].recurring_event_id == written.id
    assert events[moved.id].original_start == original
    assert events[moved.id].start == original + timedelta(hours=2)
    master = events[written.id].recurrence
    assert master is not None
    assert master.exdates == (first + timedelta(weeks=2),)


async def test_bey_1_the_read_that_meets_a_write_of_the_adapters_gives_the_event_the_write_gave(
    caldav: CaldavCalendar, calendar_url: str
) -> None:
    """The first read after an initial sync meets every write of it: the same etag is the same
    resource, so the event is the one the write returned; an app's edit
    after it has another etag and is read from the server."""
    cursor = (await caldav.changes(ALICE, None)).next_cursor
    written = await caldav.insert(ALICE, meeting("Echo"), send_updates=NONE)
    echo = await caldav.changes(ALICE, cursor)
    assert echo.events == (written,)
    App(calendar_url).edit(written.id, summary="Edited in the app")
    edited = await caldav.changes(ALICE, echo.next_cursor)
    assert [(e.id, e.summary) for e in edited.events] == [(written.id, "Edited in the app")]
    assert edited.events[0].etag != written.etag
