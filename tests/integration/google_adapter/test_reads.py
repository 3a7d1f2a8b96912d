"""Reading a user's calendar through the adapter: the primary calendar only, paging, sync
tokens, and series with occurrences cancelled or moved in Google's own way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tandem.connectors.google import GoogleCalendar
from tandem.domain.activity import Recurrence
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.errors import AuthFailed, FullSyncRequired
from tandem.emulators.google import EmulatorServer
from tests.integration.google_adapter.helpers import ALICE, BOB, STRANGER, MakeGoogle, primary_calendar, user_edit
from tests.support.calendar_contract import local, meeting

pytestmark = pytest.mark.anyio
NONE = SendUpdates.NONE
FIRST = local(2031, 3, 10, 9)  # a Monday, 09:00 Helsinki (07:00 UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


async def _weekly(google: GoogleCalendar, count: int = 6) -> CalendarEvent:
    series = meeting(
        "Weekly", start=FIRST, end=FIRST + timedelta(hours=1), recurrence=Recurrence(f"FREQ=WEEKLY;COUNT={count}")
    )
    return await google.insert(ALICE, series, send_updates=NONE)


async def test_cal_4_only_the_primary_calendar_is_used(google: GoogleCalendar, server: EmulatorServer) -> None:
    await user_edit(
        google,
        server,
        ALICE,
        "POST",
        "",
        {
            "id": "alicemine001",
            "summary": "mine",
            "start": {"dateTime": "2031-03-10T09:00:00Z"},
            "end": {"dateTime": "2031-03-10T10:00:00Z"},
        },
    )
    await user_edit(
        google,
        server,
        BOB,
        "POST",
        "",
        {
            "id": "bobmine00001",
            "summary": "bob's",
            "start": {"dateTime": "2031-03-10T09:00:00Z"},
            "end": {"dateTime": "2031-03-10T10:00:00Z"},
        },
    )
    written = await google.insert("Alice@Example.com", meeting("from Tandem"), send_updates=NONE)

    read = await google.changes(ALICE, None)
    assert {e.summary for e in read.events} == {"mine", "from Tandem"}
    async with primary_calendar(google, server, ALICE) as primary:
        listed = (await primary.get("/events")).json()["items"]
    assert written.id in {item["id"] for item in listed}  # the adapter wrote into alice's primary calendar
    bob = await google.changes(BOB, None)
    assert {e.summary for e in bob.events} == {"bob's"}


async def test_cal_3_a_user_without_a_calendar_account_gets_a_clear_error_and_others_still_sync(
    google: GoogleCalendar,
) -> None:
    with pytest.raises(AuthFailed, match=f"{STRANGER} is not a user of the domain"):
        await google.changes(STRANGER, None)
    await google.insert(ALICE, meeting(), send_updates=NONE)
    assert len((await google.changes(ALICE, None)).events) == 1


async def test_an_invalidated_sync_token_is_full_sync_required(google: GoogleCalendar, server: EmulatorServer) -> None:
    await google.insert(ALICE, meeting(), send_updates=NONE)
    cursor = (await google.changes(ALICE, None)).next_cursor
    assert cursor is not None
    server.state.invalidate_sync_tokens(ALICE)
    with pytest.raises(FullSyncRequired):
        await google.changes(ALICE, cursor)
    again = await google.changes(ALICE, None)
    assert again.full
    assert len(again.events) == 1


async def test_reads_page_through_the_whole_calendar_and_follow_the_sync_token(
    make_google: MakeGoogle, server: EmulatorServer
) -> None:
    google = await make_google(page_size=3)  # small pages: seven events take three
    ids = [(await google.insert(ALICE, meeting(f"event {n}"), send_updates=NONE)).id for n in range(7)]
    server.state.reset_counters()
    full = await google.changes(ALICE, None)
    assert [e.id for e in full.events] == ids
    assert server.state.request_counts()[ALICE]["events.list"] == 3
    for event_id in ids[:4]:
        await google.delete(ALICE, event_id, if_match=None, send_updates=NONE)
    later = await google.changes(ALICE, full.next_cursor)
    assert [e.id for e in later.events] == ids[:4]
    assert all(e.cancelled for e in later.events)


async def test_an_occurrence_cancelled_in_google_is_folded_into_its_series_in_full_and_incremental_reads(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    series = await _weekly(google)
    cursor = (await google.changes(ALICE, None)).next_cursor
    cancelled = FIRST + timedelta(weeks=2)
    await user_edit(google, server, ALICE, "DELETE", f"/{series.id}_{_stamp(cancelled)}")

    later = await google.changes(ALICE, cursor)
    assert [e.id for e in later.events] == [series.id]  # the series, not the cancelled occurrence
    assert later.events[0].recurrence is not None
    assert later.events[0].recurrence.exdates == (cancelled.astimezone(UTC),)

    full = await google.changes(ALICE, None)
    assert [e.id for e in full.events] == [series.id]
    assert full.events[0].recurrence == later.events[0].recurrence
    got = await google.get(ALICE, series.id)
    assert got is not None
    assert got.recurrence == later.events[0].recurrence


async def test_a_later_edit_of_the_series_still_reports_its_earlier_cancelled_occurrences(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    series = await _weekly(google)
    cancelled = FIRST + timedelta(weeks=1)
    await user_edit(google, server, ALICE, "DELETE", f"/{series.id}_{_stamp(cancelled)}")
    cursor = (await google.changes(ALICE, None)).next_cursor
    await user_edit(google, server, ALICE, "PATCH", f"/{series.id}", {"summary": "Weekly, renamed"})

    later = await google.changes(ALICE, cursor)
    assert [(e.id, e.summary) for e in later.events] == [(series.id, "Weekly, renamed")]
    assert later.events[0].recurrence is not None
    assert later.events[0].recurrence.exdates == (cancelled.astimezone(UTC),)


async def test_a_moved_occurrence_is_its_own_event_with_its_series_and_original_start(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    series = await _weekly(google)
    cursor = (await google.changes(ALICE, None)).next_cursor
    original = FIRST + timedelta(weeks=3)
    moved_to = original + timedelta(hours=5)
    body = {
        "start": {"dateTime": moved_to.isoformat(), "timeZone": "Europe/Helsinki"},
        "end": {"dateTime": (moved_to + timedelta(hours=1)).isoformat(), "timeZone": "Europe/Helsinki"},
    }
    await user_edit(google, server, ALICE, "PATCH", f"/{series.id}_{_stamp(original)}", body)

    later = await google.changes(ALICE, cursor)
    assert len(later.events) == 1
    moved = later.events[0]
    assert moved.id == f"{series.id}_{_stamp(original)}"
    assert moved.recurring_event_id == series.id
    assert moved.original_start == original.astimezone(UTC)
    assert moved.start == moved_to.astimezone(UTC)
    assert moved.time_zone == "Europe/Helsinki"


async def test_an_occurrence_the_psa_brings_back_is_restored_in_google(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    series = await _weekly(google)
    cancelled = FIRST + timedelta(weeks=2)
    await user_edit(google, server, ALICE, "DELETE", f"/{series.id}_{_stamp(cancelled)}")
    seen = await google.get(ALICE, series.id)
    assert seen is not None
    assert seen.recurrence is not None
    assert seen.recurrence.exdates == (cancelled.astimezone(UTC),)

    restored = replace(seen, recurrence=replace(seen.recurrence, exdates=()))
    written = await google.update(
        ALICE, restored, if_match=seen.etag, send_updates=NONE, fields=frozenset({"recurrence"})
    )
    assert written.recurrence is not None
    assert written.recurrence.exdates == ()
    full = await google.changes(ALICE, None)
    assert [e.recurrence.exdates for e in full.events if e.recurrence] == [()]
    async with primary_calendar(google, server, ALICE) as primary:
        instance = (await primary.get(f"/events/{series.id}_{_stamp(cancelled)}")).json()
    assert instance["status"] == "confirmed"


async def test_all_day_series_fold_their_cancelled_days_as_dates(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    daily = meeting(
        "Daily",
        start=date(2031, 3, 10),
        end=date(2031, 3, 11),
        time_zone=None,
        recurrence=Recurrence("FREQ=DAILY;COUNT=5"),
    )
    await google.insert(ALICE, daily, send_updates=NONE)
    await user_edit(google, server, ALICE, "DELETE", f"/{daily.id}_20310312")
    read = await google.changes(ALICE, None)
    assert [e.recurrence.exdates for e in read.events if e.recurrence] == [(date(2031, 3, 12),)]


async def test_cal_17_an_event_tandem_cannot_represent_does_not_stop_the_read(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    await google.insert(ALICE, meeting("Fine"), send_updates=NONE)
    odd = {
        "id": "oddrule00001",
        "summary": "Odd rule",
        "start": {"dateTime": "2031-03-10T09:00:00+02:00", "timeZone": "Europe/Helsinki"},
        "end": {"dateTime": "2031-03-10T10:00:00+02:00", "timeZone": "Europe/Helsinki"},
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=10", "EXRULE:FREQ=WEEKLY;BYDAY=MO"],
    }
    await user_edit(google, server, ALICE, "POST", "", odd)
    read = await google.changes(ALICE, None)
    by_summary = {e.summary: e for e in read.events}
    assert set(by_summary) == {"Fine", "Odd rule"}
    unsupported = by_summary["Odd rule"].recurrence
    assert unsupported is not None
    assert unsupported.rrule.startswith("UNSUPPORTED")
    assert "EXRULE:FREQ=WEEKLY;BYDAY=MO" in unsupported.rrule  # the admin sees what could not be synced


async def test_exdates_and_rdates_in_each_of_googles_spellings_read_as_instants(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    body = {
        "id": "spellings001",
        "summary": "Spellings",
        "start": {"dateTime": "2031-03-10T09:00:00+02:00", "timeZone": "Europe/Helsinki"},
        "end": {"dateTime": "2031-03-10T10:00:00+02:00", "timeZone": "Europe/Helsinki"},
        "recurrence": [
            "RRULE:FREQ=WEEKLY;COUNT=8",
            "EXDATE;TZID=Europe/Helsinki:20310317T090000",  # in the series' zone
            "EXDATE:20310324T070000Z",  # in UTC
            "EXDATE;VALUE=DATE:20310331",  # a day: the series' own time that day
            "RDATE;TZID=America/New_York:20310312T030000",  # another zone
        ],
    }
    await user_edit(google, server, ALICE, "POST", "", body)
    event = await google.get(ALICE, "spellings001")
    assert event is not None
    assert event.recurrence is not None
    assert event.recurrence.rrule == "FREQ=WEEKLY;COUNT=8"
    assert event.recurrence.exdates == (
        datetime(2031, 3, 17, 7, tzinfo=UTC),
        datetime(2031, 3, 24, 7, tzinfo=UTC),
        datetime(2031, 3, 31, 6, tzinfo=UTC),  # summer time in Helsinki from 30 March: 09:00 is 06:00 UTC
    )
    assert event.recurrence.rdates == (datetime(2031, 3, 12, 7, tzinfo=UTC),)
