"""A person working in their calendar app, through the `caldav` client library (as
Thunderbird or DAVx5 would: whole resources, their own UIDs and names), and a look at the
stored text of a resource."""

from __future__ import annotations

from dataclasses import replace

import caldav
import httpx

from tandem.domain.calendar import CalendarEvent
from tandem.ports.calendar import CalendarPort
from tests.integration.caldav.conftest import ALICE, PASSWORD
from tests.support.calendar_contract import NONE


class App:
    def __init__(self, calendar_url: str) -> None:
        self.url = calendar_url
        self._calendar = caldav.DAVClient(
            url=calendar_url, username=ALICE, password=PASSWORD, require_tls=False
        ).calendar(url=calendar_url)

    def add(self, uid: str, summary: str, *, extra: str = "") -> None:
        self._calendar.add_event(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//An app//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20310101T000000Z\r\nDTSTART:20310310T090000Z\r\n"
            f"DTEND:20310310T100000Z\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )

    def edit(self, uid: str, **properties: str) -> None:
        event = self._calendar.event_by_uid(uid)
        for name, value in properties.items():
            event.icalendar_component[name.upper()] = value
        event.save()

    def add_alarm(self, uid: str) -> None:
        """What a user's app adds that Tandem does not know: a reminder and a colour."""
        event = self._calendar.event_by_uid(uid)
        text = event.data.replace(
            "END:VEVENT",
            "X-APP-COLOUR:teal\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\n"
            "TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT",
            1,
        )
        event.data = text
        event.save()

    def cancel_occurrence(self, uid: str, zone: str, local_start: str) -> None:
        """An override of one occurrence with STATUS:CANCELLED, as some apps cancel one."""
        event = self._calendar.event_by_uid(uid)
        event.data = event.data.replace(
            "END:VCALENDAR",
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nRECURRENCE-ID;TZID={zone}:{local_start}\r\n"
            f"DTSTART;TZID={zone}:{local_start}\r\nDTSTAMP:20310101T000000Z\r\n"
            "STATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR",
        )
        event.save()

    def remove(self, uid: str) -> None:
        self._calendar.event_by_uid(uid).delete()


def stored(calendar_url: str, event_id: str) -> str:
    """The resource's text as the server keeps it."""
    response = httpx.get(f"{calendar_url}{event_id}.ics", auth=(ALICE, PASSWORD))
    assert response.status_code == 200
    return response.text.replace("\r\n ", "")


async def rename(calendar: CalendarPort, event: CalendarEvent, summary: str) -> CalendarEvent:
    """Tandem writes the summary only, with the etag it holds."""
    changed = replace(event, summary=summary)
    return await calendar.update(ALICE, changed, if_match=event.etag, send_updates=NONE, fields=frozenset({"summary"}))
