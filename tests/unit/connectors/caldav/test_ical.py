"""Reading what other calendar apps write, without a server: a resource's text to the
events the port reports (connectors/caldav/resource.py, ical.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tandem.connectors.caldav.cursor import etags_of, of_etags, token_of
from tandem.connectors.caldav.errors import Unreadable
from tandem.connectors.caldav.resource import events_of, split_occurrence_id
from tandem.domain.calendar import ResponseStatus
from tandem.domain.errors import FullSyncRequired

OWNER = "alice@example.test"


def resource(*vevents: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{v.strip()}\r\nEND:VEVENT\r\n" for v in vevents)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//An app//EN\r\n{body}END:VCALENDAR\r\n"


def test_an_apps_event_with_a_duration_a_confidential_class_and_an_organizer() -> None:
    text = resource(
        "UID:x1@phone\r\nDTSTAMP:20310101T000000Z\r\nDTSTART;TZID=Europe/Helsinki:20310310T090000\r\n"
        "DURATION:PT90M\r\nSUMMARY:Review\r\nCLASS:CONFIDENTIAL\r\nORGANIZER:mailto:Alice@Example.test\r\n"
        "ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:mailto:alice@example.test\r\n"
        "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=DECLINED:mailto:bo@partner.test\r\n"
        "ATTENDEE;CUTYPE=ROOM:mailto:room4@example.test"
    )
    [event] = events_of(text, resource_id="x1@phone", etag='"1"', owner=OWNER)
    assert event.start == datetime(2031, 3, 10, 9, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert event.end == event.start + timedelta(minutes=90)
    assert event.time_zone == "Europe/Helsinki"
    assert event.private
    assert event.organizer_email == "Alice@Example.test"
    alice, bo, room = event.attendees
    assert (alice.organizer, alice.is_self, alice.response_status) == (True, True, ResponseStatus.ACCEPTED)
    assert (bo.optional, bo.response_status, bo.organizer) == (True, ResponseStatus.DECLINED, False)
    assert room.resource
    assert event.updated == datetime(2031, 1, 1, tzinfo=UTC)


def test_an_all_day_event_without_an_end_lasts_one_day_and_a_floating_time_reads_as_utc() -> None:
    text = resource("UID:d\r\nDTSTAMP:20310101T000000Z\r\nDTSTART;VALUE=DATE:20310310\r\nSUMMARY:Holiday")
    [holiday] = events_of(text, resource_id="d", etag='"1"', owner=OWNER)
    assert (holiday.start, holiday.end) == (date(2031, 3, 10), date(2031, 3, 11))
    floating = resource("UID:f\r\nDTSTAMP:20310101T000000Z\r\nDTSTART:20310310T090000\r\nDTEND:20310310T100000")
    [event] = events_of(floating, resource_id="f", etag='"1"', owner=OWNER)
    assert event.start == datetime(2031, 3, 10, 9, tzinfo=UTC)
    assert event.time_zone is None


def test_an_override_the_series_excludes_is_not_reported() -> None:
    text = resource(
        "UID:s\r\nDTSTAMP:20310101T000000Z\r\nDTSTART:20310310T090000Z\r\nDTEND:20310310T100000Z\r\n"
        "RRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:20310311T090000Z",
        "UID:s\r\nDTSTAMP:20310101T000000Z\r\nRECURRENCE-ID:20310311T090000Z\r\n"
        "DTSTART:20310311T120000Z\r\nDTEND:20310311T130000Z",
    )
    events = events_of(text, resource_id="s", etag='"1"', owner=OWNER)
    assert [e.id for e in events] == ["s"]


def test_text_that_is_not_icalendar_is_unreadable() -> None:
    with pytest.raises(Unreadable):
        events_of("<html>Service Unavailable</html>", resource_id="x", etag='"1"', owner=OWNER)


def test_only_the_adapters_occurrence_ids_split() -> None:
    assert split_occurrence_id("abc_20310310T090000Z") == ("abc", datetime(2031, 3, 10, 9, tzinfo=UTC))
    assert split_occurrence_id("abc_20310310") == ("abc", date(2031, 3, 10))
    assert split_occurrence_id("abc_20311345") is None
    assert split_occurrence_id("lunch_with_bo@phone") is None
    assert split_occurrence_id("abcstandin") is None


def test_a_cursor_the_adapter_did_not_make_is_full_sync_required() -> None:
    assert etags_of(of_etags({"a.ics": '"1"'})) == {"a.ics": '"1"'}
    with pytest.raises(FullSyncRequired):
        token_of("CAES7g8K")  # a Google sync token
    with pytest.raises(FullSyncRequired):
        etags_of("etags:not-base64!")


ZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0500\r\nTZOFFSETTO:+0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


@pytest.mark.parametrize(
    ("tzid", "offset"), [("Tandem test zone +5", timedelta(hours=5)), ("Europe/Helsinki", timedelta(hours=2))]
)
def test_a_vtimezone_counts_only_for_a_zone_the_zone_database_does_not_know(tzid: str, offset: timedelta) -> None:
    # Reading passes over the definitions of known zones (icalendar reads their times by the
    # zone database anyway), so a wrong one changes nothing; an unknown zone's is read.
    event_lines = f"UID:z\r\nDTSTAMP:20310101T000000Z\r\nDTSTART;TZID={tzid}:20310110T090000\r\nSUMMARY:Call"
    text = resource(event_lines).replace("BEGIN:VEVENT", ZONE.format(tzid=tzid) + "BEGIN:VEVENT", 1)
    [event] = events_of(text, resource_id="z", etag='"1"', owner=OWNER)
    assert event.start is not None
    assert isinstance(event.start, datetime)
    assert event.start.utcoffset() == offset
    assert event.summary == "Call"
