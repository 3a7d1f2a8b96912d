"""The contract of `CalendarPort` (ports/calendar.py), one suite for every calendar backend.

STYLE.md, "One contract test suite per port": the Google adapter runs it against the
emulator, the CalDAV adapter against Radicale. To reuse it, subclass it in a test module:

    class TestGoogleCalendarContract(CalendarContract):
        ...

and provide three fixtures to the test module: `calendar` (a fresh `CalendarPort` over an
empty calendar), `calendar_id` (that calendar) and `anyio_backend` ("asyncio"). Every test
only uses the port itself, so what passes here is what the sync core may rely on.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tandem.domain.activity import Moment, Recurrence
from tandem.domain.calendar import Attendee, CalendarEvent, EventStatus, ResponseStatus, SendUpdates
from tandem.domain.errors import AlreadyExists, PreconditionFailed, TandemError
from tandem.ports.calendar import CalendarPort, EventDelete, EventInsert, EventUpdate
from tandem.sync.ids import occurrence_event_id

HELSINKI = "Europe/Helsinki"
NONE = SendUpdates.NONE


def new_event_id() -> str:
    """A fresh id in the form the sync core derives (128 bits in base32hex, 26 characters)."""
    return base64.b32hexencode(uuid.uuid4().bytes).decode("ascii").rstrip("=").lower()


def local(year: int, month: int, day: int, hour: int, minute: int = 0, zone: str = HELSINKI) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def meeting(summary: str = "Planning", **changes: object) -> CalendarEvent:
    """A timed one-hour event in Helsinki time, with a fresh id."""
    event = CalendarEvent(
        id=new_event_id(),
        start=local(2031, 3, 10, 9),
        end=local(2031, 3, 10, 10),
        time_zone=HELSINKI,
        summary=summary,
        description="Agenda: budget",
        location="Room 4",
    )
    return replace(event, **changes)


def instant(moment: Moment | None) -> Moment | None:
    """Compare instants, not spellings: every aware datetime in UTC."""
    return moment.astimezone(UTC) if isinstance(moment, datetime) else moment


def instants(moments: tuple[Moment, ...]) -> list[Moment | None]:
    return sorted((instant(m) for m in moments), key=lambda m: str(m))


class CalendarContract:
    """What every `CalendarPort` must do. Subclasses provide `calendar` and `calendar_id`."""

    pytestmark = pytest.mark.anyio

    # ------------------------------------------------------------ insert / get

    async def test_an_inserted_event_reads_back_with_its_fields(self, calendar: CalendarPort, calendar_id: str) -> None:
        event = meeting()
        written = await calendar.insert(calendar_id, event, send_updates=NONE)
        read = await calendar.get(calendar_id, event.id)
        assert read is not None
        for got in (written, read):
            assert got.id == event.id
            assert (got.summary, got.description, got.location) == ("Planning", "Agenda: budget", "Room 4")
            assert instant(got.start) == instant(event.start)
            assert instant(got.end) == instant(event.end)
            assert got.status is EventStatus.CONFIRMED
            assert got.etag
            assert got.updated is not None
            assert got.updated.tzinfo is not None

    async def test_get_of_an_id_the_calendar_never_had_is_none(self, calendar: CalendarPort, calendar_id: str) -> None:
        assert await calendar.get(calendar_id, new_event_id()) is None

    async def test_inserting_a_taken_id_is_already_exists(self, calendar: CalendarPort, calendar_id: str) -> None:
        event = meeting()
        await calendar.insert(calendar_id, event, send_updates=NONE)
        with pytest.raises(AlreadyExists):
            await calendar.insert(calendar_id, replace(event, summary="a retried create"), send_updates=NONE)
        read = await calendar.get(calendar_id, event.id)
        assert read is not None
        assert read.summary == "Planning"

    # ------------------------------------------------------------ update

    async def test_update_without_fields_writes_every_synced_field(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        written = await calendar.insert(calendar_id, meeting(), send_updates=NONE)
        changed = replace(
            written,
            summary="Review",
            description="New agenda",
            location="Room 7",
            start=local(2031, 3, 11, 13),
            end=local(2031, 3, 11, 15),
        )
        updated = await calendar.update(calendar_id, changed, if_match=written.etag, send_updates=NONE)
        read = await calendar.get(calendar_id, written.id)
        assert read is not None
        for got in (updated, read):
            assert (got.summary, got.description, got.location) == ("Review", "New agenda", "Room 7")
            assert instant(got.start) == instant(local(2031, 3, 11, 13))
            assert instant(got.end) == instant(local(2031, 3, 11, 15))
        assert updated.etag != written.etag

    async def test_update_with_fields_writes_only_those_groups(self, calendar: CalendarPort, calendar_id: str) -> None:
        written = await calendar.insert(calendar_id, meeting(), send_updates=NONE)
        changed = replace(written, summary="Renamed", location="Elsewhere", start=local(2031, 3, 12, 9))
        await calendar.update(
            calendar_id, changed, if_match=written.etag, send_updates=NONE, fields=frozenset({"summary"})
        )
        read = await calendar.get(calendar_id, written.id)
        assert read is not None
        assert read.summary == "Renamed"
        assert read.location == "Room 4"
        assert instant(read.start) == instant(local(2031, 3, 10, 9))

    async def test_a_field_updated_to_none_is_cleared(self, calendar: CalendarPort, calendar_id: str) -> None:
        written = await calendar.insert(calendar_id, meeting(), send_updates=NONE)
        cleared = replace(written, description=None, location=None)
        await calendar.update(
            calendar_id,
            cleared,
            if_match=written.etag,
            send_updates=NONE,
            fields=frozenset({"description", "location"}),
        )
        read = await calendar.get(calendar_id, written.id)
        assert read is not None
        assert not read.description
        assert not read.location
        assert read.summary == "Planning"

    async def test_update_with_a_stale_etag_is_precondition_failed_and_writes_nothing(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        written = await calendar.insert(calendar_id, meeting(), send_updates=NONE)
        await calendar.update(calendar_id, replace(written, summary="First"), if_match=written.etag, send_updates=NONE)
        with pytest.raises(PreconditionFailed):
            await calendar.update(
                calendar_id, replace(written, summary="Stale"), if_match=written.etag, send_updates=NONE
            )
        read = await calendar.get(calendar_id, written.id)
        assert read is not None
        assert read.summary == "First"

    # ------------------------------------------------------------ delete

    async def test_a_deleted_event_reads_as_cancelled_and_deleting_it_again_is_fine(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        written = await calendar.insert(calendar_id, meeting(), send_updates=NONE)
        await calendar.delete(calendar_id, written.id, if_match=written.etag, send_updates=NONE)
        await calendar.delete(calendar_id, written.id, if_match=None, send_updates=NONE)
        read = await calendar.get(calendar_id, written.id)
        assert read is None or read.cancelled

    async def test_deleting_an_event_that_never_existed_is_fine(self, calendar: CalendarPort, calendar_id: str) -> None:
        await calendar.delete(calendar_id, new_event_id(), if_match=None, send_updates=NONE)

    async def test_delete_with_a_stale_etag_is_precondition_failed_and_keeps_the_event(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        written = await calendar.insert(calendar_id, meeting(), send_updates=NONE)
        await calendar.update(
            calendar_id, replace(written, summary="Moved on"), if_match=written.etag, send_updates=NONE
        )
        with pytest.raises(PreconditionFailed):
            await calendar.delete(calendar_id, written.id, if_match=written.etag, send_updates=NONE)
        read = await calendar.get(calendar_id, written.id)
        assert read is not None
        assert not read.cancelled

    async def test_a_deleted_event_updated_as_confirmed_comes_back_under_its_id(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        written = await calendar.insert(calendar_id, meeting(), send_updates=NONE)
        await calendar.delete(calendar_id, written.id, if_match=written.etag, send_updates=NONE)
        gone = await calendar.get(calendar_id, written.id)
        restored = replace(written, summary="Back again", status=EventStatus.CONFIRMED)
        back = await calendar.update(
            calendar_id, restored, if_match=gone.etag if gone is not None else None, send_updates=NONE
        )
        read = await calendar.get(calendar_id, written.id)
        assert read is not None
        for got in (back, read):
            assert got.id == written.id
            assert not got.cancelled
            assert got.summary == "Back again"

    # ------------------------------------------------------------ reads of changes

    async def test_a_full_read_then_incremental_reads_show_only_changes_and_deletions_as_cancelled(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        kept = await calendar.insert(calendar_id, meeting("Kept"), send_updates=NONE)
        edited = await calendar.insert(calendar_id, meeting("Edited"), send_updates=NONE)
        removed = await calendar.insert(calendar_id, meeting("Removed"), send_updates=NONE)
        full = await calendar.changes(calendar_id, None)
        assert full.full
        assert {e.id for e in full.events} == {kept.id, edited.id, removed.id}

        await calendar.update(
            calendar_id, replace(edited, summary="Edited twice"), if_match=edited.etag, send_updates=NONE
        )
        await calendar.delete(calendar_id, removed.id, if_match=None, send_updates=NONE)
        added = await calendar.insert(calendar_id, meeting("Added"), send_updates=NONE)
        later = await calendar.changes(calendar_id, full.next_cursor)
        by_id = {e.id: e for e in later.events}
        assert by_id[edited.id].summary == "Edited twice"
        assert by_id[added.id].summary == "Added"
        if not calendar.has_sync_token:  # a backend without a cursor reads in full every time
            assert later.full
            assert removed.id not in by_id or by_id[removed.id].cancelled
            return
        assert full.next_cursor is not None
        assert not later.full
        assert set(by_id) == {edited.id, removed.id, added.id}
        assert by_id[removed.id].cancelled
        quiet = await calendar.changes(calendar_id, later.next_cursor)
        assert quiet.events == ()

    # ------------------------------------------------------------ batch

    async def test_a_batch_gives_each_write_its_own_outcome_in_order(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        taken = await calendar.insert(calendar_id, meeting("Taken"), send_updates=NONE)
        doomed = await calendar.insert(calendar_id, meeting("Doomed"), send_updates=NONE)
        fresh = meeting("Fresh")
        outcomes = await calendar.batch(
            calendar_id,
            [
                EventInsert(fresh, NONE),
                EventInsert(replace(taken, summary="Again"), NONE),
                EventUpdate(replace(taken, summary="Stale write"), '"not-the-etag"', NONE),
                EventDelete(doomed.id, doomed.etag, NONE),
                EventDelete(new_event_id(), None, NONE),
                EventUpdate(replace(taken, summary="Renamed"), taken.etag, NONE, frozenset({"summary"})),
            ],
        )
        assert len(outcomes) == 6
        inserted, duplicate, stale, deleted, missing, renamed = outcomes
        assert isinstance(inserted, CalendarEvent)
        assert inserted.id == fresh.id
        assert isinstance(duplicate, AlreadyExists)
        assert isinstance(stale, PreconditionFailed)
        assert deleted is None
        assert missing is None
        assert isinstance(renamed, CalendarEvent)
        assert renamed.summary == "Renamed"
        assert not any(isinstance(o, TandemError) for o in (inserted, deleted, missing, renamed))
        gone = await calendar.get(calendar_id, doomed.id)
        assert gone is None or gone.cancelled

    # ------------------------------------------------------------ round trips

    async def test_an_all_day_event_keeps_its_dates_and_exclusive_end(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        one_day = meeting("Holiday", start=date(2031, 3, 10), end=date(2031, 3, 11), time_zone=None)
        three_days = meeting("Trip", start=date(2031, 3, 30), end=date(2031, 4, 2), time_zone=None)
        for event in (one_day, three_days):
            await calendar.insert(calendar_id, event, send_updates=NONE)
            read = await calendar.get(calendar_id, event.id)
            assert read is not None
            assert read.is_all_day
            assert (read.start, read.end) == (event.start, event.end)
            assert type(read.start) is date
            assert type(read.end) is date

    async def test_a_timed_event_keeps_its_instant_and_its_time_zone(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        event = meeting(
            start=local(2031, 7, 1, 9, zone="America/New_York"),
            end=local(2031, 7, 1, 9, 30, zone="America/New_York"),
            time_zone="America/New_York",
        )
        await calendar.insert(calendar_id, event, send_updates=NONE)
        read = await calendar.get(calendar_id, event.id)
        assert read is not None
        assert read.time_zone == "America/New_York"
        assert isinstance(read.start, datetime)
        assert read.start.tzinfo is not None
        assert instant(read.start) == datetime(2031, 7, 1, 13, tzinfo=UTC)
        assert instant(read.end) == datetime(2031, 7, 1, 13, 30, tzinfo=UTC)

    async def test_a_series_with_exception_dates_round_trips(self, calendar: CalendarPort, calendar_id: str) -> None:
        first = local(2031, 3, 10, 9)
        skipped = (first + timedelta(weeks=1), first + timedelta(weeks=3))
        weekly = meeting(
            "Weekly",
            start=first,
            end=first + timedelta(hours=1),
            recurrence=Recurrence("FREQ=WEEKLY;BYDAY=MO;COUNT=10", exdates=skipped),
        )
        daily = meeting(
            "Daily all-day",
            start=date(2031, 3, 10),
            end=date(2031, 3, 11),
            time_zone=None,
            recurrence=Recurrence("FREQ=DAILY;COUNT=5", exdates=(date(2031, 3, 12),)),
        )
        for event in (weekly, daily):
            await calendar.insert(calendar_id, event, send_updates=NONE)
            read = await calendar.get(calendar_id, event.id)
            assert read is not None
            assert event.recurrence is not None
            assert read.recurrence is not None
            assert read.recurrence.rrule.upper().removeprefix("RRULE:") == event.recurrence.rrule
            assert instants(read.recurrence.exdates) == instants(event.recurrence.exdates)
            assert instant(read.start) == instant(event.start)

    async def test_an_occurrence_excluded_through_the_series_shows_in_the_next_read(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        first = local(2031, 3, 10, 9)
        series = meeting(
            "Weekly", start=first, end=first + timedelta(hours=1), recurrence=Recurrence("FREQ=WEEKLY;COUNT=6")
        )
        written = await calendar.insert(calendar_id, series, send_updates=NONE)
        cursor = (await calendar.changes(calendar_id, None)).next_cursor
        cancelled = first + timedelta(weeks=2)
        assert written.recurrence is not None
        fewer = replace(written, recurrence=replace(written.recurrence, exdates=(cancelled,)))
        await calendar.update(
            calendar_id, fewer, if_match=written.etag, send_updates=NONE, fields=frozenset({"recurrence"})
        )
        later = await calendar.changes(calendar_id, cursor)
        masters = [e for e in later.events if e.id == written.id]
        assert len(masters) == 1
        assert masters[0].recurrence is not None
        assert instants(masters[0].recurrence.exdates) == [instant(cancelled)]

    async def test_a_moved_occurrence_goes_when_its_series_excludes_it(
        self, calendar: CalendarPort, calendar_id: str
    ) -> None:
        """Google cancels an exception whose original start its series no longer has (here
        through an EXDATE); the sync relies on it (CAL-9: a moved occurrence cancelled in the
        PSA is an EXDATE on the series, written before the exception's own deletion)."""
        first = local(2031, 3, 10, 9)
        series = meeting(
            "Weekly", start=first, end=first + timedelta(hours=1), recurrence=Recurrence("FREQ=WEEKLY;COUNT=4")
        )
        written = await calendar.insert(calendar_id, series, send_updates=NONE)
        original = first + timedelta(weeks=1)
        moved = replace(
            written,
            id=occurrence_event_id(written.id, original),
            recurrence=None,
            recurring_event_id=written.id,
            original_start=original,
            start=original + timedelta(hours=3),
            end=original + timedelta(hours=4),
            etag=None,
        )
        # An occurrence exists as soon as its series does: moving it is an update of it.
        await calendar.update(calendar_id, moved, if_match=None, send_updates=NONE)
        current = await calendar.get(calendar_id, written.id)
        assert current is not None
        assert current.recurrence is not None
        excluded = replace(current, recurrence=replace(current.recurrence, exdates=(original,)))
        await calendar.update(
            calendar_id, excluded, if_match=current.etag, send_updates=NONE, fields=frozenset({"recurrence"})
        )
        gone = await calendar.get(calendar_id, moved.id)
        assert gone is None or gone.cancelled
        live = (await calendar.changes(calendar_id, None)).events
        assert moved.id not in {e.id for e in live}

    async def test_the_private_flag_round_trips(self, calendar: CalendarPort, calendar_id: str) -> None:
        secret = await calendar.insert(calendar_id, meeting("Doctor", private=True), send_updates=NONE)
        read = await calendar.get(calendar_id, secret.id)
        assert read is not None
        assert read.private
        await calendar.update(
            calendar_id,
            replace(read, private=False),
            if_match=read.etag,
            send_updates=NONE,
            fields=frozenset({"private"}),
        )
        public = await calendar.get(calendar_id, secret.id)
        assert public is not None
        assert not public.private

    async def test_attendees_round_trip_with_names_and_answers(self, calendar: CalendarPort, calendar_id: str) -> None:
        guests = (
            Attendee("ann.guest@partner.test", display_name="Ann Guest", response_status=ResponseStatus.ACCEPTED),
            Attendee("bo.guest@partner.test"),
        )
        event = meeting("With guests", attendees=guests)
        await calendar.insert(calendar_id, event, send_updates=NONE)
        read = await calendar.get(calendar_id, event.id)
        assert read is not None
        seen = {a.email.lower(): a for a in read.attendees if not a.organizer}
        assert set(seen) == {"ann.guest@partner.test", "bo.guest@partner.test"}
        assert seen["ann.guest@partner.test"].display_name == "Ann Guest"
        assert seen["ann.guest@partner.test"].response_status is ResponseStatus.ACCEPTED
        assert seen["bo.guest@partner.test"].response_status is ResponseStatus.NEEDS_ACTION

        fewer = replace(read, attendees=(guests[1],))
        await calendar.update(
            calendar_id, fewer, if_match=read.etag, send_updates=NONE, fields=frozenset({"attendees"})
        )
        again = await calendar.get(calendar_id, event.id)
        assert again is not None
        assert {a.email.lower() for a in again.attendees if not a.organizer} == {"bo.guest@partner.test"}

    async def test_private_properties_carry_the_write_mark(self, calendar: CalendarPort, calendar_id: str) -> None:
        event = meeting(private_properties={"tandemWrite": "w-1"})
        written = await calendar.insert(calendar_id, event, send_updates=NONE)
        assert written.private_properties.get("tandemWrite") == "w-1"
        remarked = replace(written, summary="Remarked", private_properties={"tandemWrite": "w-2"})
        await calendar.update(
            calendar_id, remarked, if_match=written.etag, send_updates=NONE, fields=frozenset({"summary"})
        )
        read = await calendar.get(calendar_id, event.id)
        assert read is not None
        assert read.private_properties.get("tandemWrite") == "w-2"
        assert read.summary == "Remarked"
