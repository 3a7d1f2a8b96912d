"""What the demo users already have in their Google calendars when the demo calendar (the
Google emulator, `demo_calendar`) starts: entries made in Google, for the first sync to
bring into the hub.

Dev Dutta is out of office on Wednesday of the coming week (Google's `outOfOffice` event
type): the sync makes it an activity of the organisation's Absences type (BEY-10).

The entry goes in as Dev would make it in Google Calendar, through the emulator's own event
write, before Tandem first reads the calendar. The emulator keeps its calendars in memory
only; at a later start the hub already holds the absence and Tandem writes it to the
calendar again, so the entry is seeded only while the hub does not have it.

On the demo's CalDAV server (`caldav_entry`), which has no out-of-office kind of event, Dev
has a private physiotherapy appointment instead, put in as a calendar app would (one PUT of an
iCalendar object) when his calendar is made: the first sync makes it an activity of the
organisation's Personal type, its title hidden from colleagues (CAL-6). Radicale keeps its
calendars on disk, so it is put in once, with the calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.demo.organisation import ZONE, coming_monday
from tandem.emulators.google import GoogleEmulator
from tandem.emulators.google.writes import insert_event
from tandem.hub.models import Activity, User

OUT_OF_OFFICE_USER = "dev.dutta@example.com"
OUT_OF_OFFICE = "Out of office"


def out_of_office(today: date) -> dict[str, Any]:
    """Dev's out-of-office entry as the Calendar API takes it: Wednesday of the coming week,
    08:00–16:00 in Helsinki (Google wants out-of-office timed and opaque, never all-day)."""
    day = coming_monday(today) + timedelta(days=2)
    tz = ZoneInfo(ZONE)
    return {
        "summary": OUT_OF_OFFICE,
        "eventType": "outOfOffice",
        "start": {"dateTime": datetime.combine(day, time(8), tz).isoformat(), "timeZone": ZONE},
        "end": {"dateTime": datetime.combine(day, time(16), tz).isoformat(), "timeZone": ZONE},
    }


def seed_calendar(emulator: GoogleEmulator, session: Session, today: date) -> int:
    """Put the demo users' own Google entries into `emulator`; returns how many went in.

    Nothing for a hub without the demo user (the demo calendar beside another organisation)
    or one that already holds the entry (from an earlier start)."""
    owner = session.scalar(sa.select(User).where(sa.func.lower(User.email) == OUT_OF_OFFICE_USER))
    if owner is None:
        return 0
    held = sa.select(Activity.id).where(
        Activity.owner_user_id == owner.id, Activity.name == OUT_OF_OFFICE, Activity.is_deleted.is_(False)
    )
    if session.scalar(held.limit(1)) is not None:
        return 0
    with emulator.lock:
        world = emulator.world
        calendar = world.calendars.get(OUT_OF_OFFICE_USER)
        if calendar is None:
            return 0
        world.now = emulator.now()  # one write, one timestamp (as every emulator operation)
        insert_event(world, calendar, out_of_office(today), send_updates="none", as_service_account=False)
    return 1


PRIVATE_ENTRY = "Physiotherapy"
PRIVATE_ENTRY_UID = "demo-physiotherapy@dev.dutta"


def caldav_entry(today: date) -> str:
    """Dev's private appointment as a calendar app writes it (iCalendar, CLASS:PRIVATE):
    Wednesday of the coming week, 07:30–08:30 in Helsinki."""
    day = coming_monday(today) + timedelta(days=2)
    start = datetime.combine(day, time(7, 30), ZoneInfo(ZONE)).astimezone(UTC)
    stamp = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tandem demo//a calendar app//EN",
        "BEGIN:VEVENT",
        f"UID:{PRIVATE_ENTRY_UID}",
        f"DTSTAMP:{datetime.now(UTC).strftime(stamp)}",
        f"DTSTART:{start.strftime(stamp)}",
        f"DTEND:{(start + timedelta(hours=1)).strftime(stamp)}",
        f"SUMMARY:{PRIVATE_ENTRY}",
        "CLASS:PRIVATE",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)
