"""Writes to a CalDAV calendar: what is stored, so that a retry never duplicates and a
person's own additions in their app survive Tandem's edits (BEY-1, BEY-3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import httpx
import pytest

from tandem.connectors.caldav import CaldavCalendar, CaldavSettings
from tandem.domain.activity import Recurrence
from tandem.domain.calendar import Attendee
from tandem.domain.errors import AlreadyExists, PreconditionFailed
from tests.integration.caldav.conftest import ALICE, ToRadicale
from tests.integration.caldav.helpers import App, rename, stored
from tests.support.calendar_contract import NONE, meeting

pytestmark = pytest.mark.anyio


async def test_bey_3_a_retried_insert_meets_its_own_resource_and_is_not_a_second_event(
    caldav: CaldavCalendar, calendar_url: str
) -> None:
    event = meeting("Kick-off")
    await caldav.insert(ALICE, event, send_updates=NONE)
    with pytest.raises(AlreadyExists):
        await caldav.insert(ALICE, event, send_updates=NONE)
    listed = (await caldav.changes(ALICE, None)).events
    assert [e.id for e in listed] == [event.id]
    assert f"UID:{event.id}" in stored(calendar_url, event.id)  # <calendar>/<event id>.ics


async def test_an_alarm_and_properties_an_app_added_survive_tandems_updates(
    caldav: CaldavCalendar, calendar_url: str
) -> None:
    written = await caldav.insert(ALICE, meeting("Dentist"), send_updates=NONE)
    App(calendar_url).add_alarm(written.id)
    current = await caldav.get(ALICE, written.id)
    assert current is not None
    renamed = await rename(caldav, current, "Dentist in room 2")
    await caldav.update(ALICE, replace(renamed, location="Clinic"), if_match=renamed.etag, send_updates=NONE)
    text = stored(calendar_url, written.id)
    assert "SUMMARY:Dentist in room 2" in text
    assert "LOCATION:Clinic" in text
    assert "BEGIN:VALARM" in text
    assert "TRIGGER:-PT15M" in text
    assert "X-APP-COLOUR:teal" in text


async def test_cal_14_attendees_are_written_so_that_a_scheduling_server_mails_no_one(
    caldav: CaldavCalendar, calendar_url: str
) -> None:
    assert not caldav.fans_out_invitations  # Radicale has no scheduling
    event = meeting("With a guest", attendees=(Attendee("ann.guest@partner.test", display_name="Ann Guest"),))
    await caldav.insert(ALICE, event, send_updates=NONE)
    [attendee] = [line for line in stored(calendar_url, event.id).splitlines() if line.startswith("ATTENDEE")]
    assert "SCHEDULE-AGENT=CLIENT" in attendee
    assert attendee.endswith(":mailto:ann.guest@partner.test")


async def test_cal_13_a_zoned_series_is_stored_with_its_time_zone_and_its_rule_as_written(
    caldav: CaldavCalendar, calendar_url: str
) -> None:
    series = meeting("Weekly", recurrence=Recurrence("FREQ=WEEKLY;BYDAY=MO;COUNT=10"))
    written = await caldav.insert(ALICE, series, send_updates=NONE)
    await rename(caldav, written, "Weekly sync")
    text = stored(calendar_url, series.id)
    assert "BEGIN:VTIMEZONE" in text
    assert "TZID:Europe/Helsinki" in text
    assert "DTSTART;TZID=Europe/Helsinki:20310310T090000" in text
    read = await caldav.get(ALICE, series.id)
    assert read is not None
    assert read.recurrence is not None
    assert read.recurrence.rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=10"  # not reordered by a rewrite


class AppWritesFirst(ToRadicale):
    """Radicale, but the person's app saves its own edit just before Tandem's first PUT."""

    def __init__(self, app_edit: Callable[[], None]) -> None:
        super().__init__()
        self._app_edit: Callable[[], None] | None = app_edit

    async def meet(self, request: httpx.Request) -> httpx.Response | None:
        if request.method == "PUT" and self._app_edit is not None:
            self._app_edit, edit = None, self._app_edit
            edit()
        return None


async def test_bey_2_an_update_that_meets_an_app_edit_between_its_read_and_write_keeps_both(
    caldav: CaldavCalendar, settings: CaldavSettings, calendar_url: str
) -> None:
    written = await caldav.insert(ALICE, meeting("Planning"), send_updates=NONE)
    app = App(calendar_url)
    transport = AppWritesFirst(lambda: app.edit(written.id, location="Room 9"))
    async with httpx.AsyncClient(transport=transport) as http:
        racing = CaldavCalendar(settings, http=http)
        await racing.update(
            ALICE,
            replace(written, summary="Planning, moved"),
            if_match=None,
            send_updates=NONE,
            fields=frozenset({"summary"}),
        )
    read = await caldav.get(ALICE, written.id)
    assert read is not None
    assert (read.summary, read.location) == ("Planning, moved", "Room 9")


async def test_cal_8_an_event_just_read_is_updated_in_one_request(settings: CaldavSettings) -> None:
    counting = ToRadicale()
    async with httpx.AsyncClient(transport=counting) as http:
        adapter = CaldavCalendar(settings, http=http)
        await adapter.insert(ALICE, meeting("Standup"), send_updates=NONE)
        [read] = (await adapter.changes(ALICE, None)).events
        counting.methods.clear()
        updated = await rename(adapter, read, "Standup, short")
        assert counting.methods == ["PUT"]
        assert updated.summary == "Standup, short"
        with pytest.raises(PreconditionFailed):  # the copy is not a licence to write over a newer version
            await adapter.update(ALICE, replace(read, summary="Stale"), if_match=read.etag, send_updates=NONE)
