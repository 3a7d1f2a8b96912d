"""One calendar resource (`<event id>.ics`): a series master and its overrides, as events.

A CalDAV resource holds every VEVENT of one UID (RFC 4791 §4.1): the master and the
occurrences changed or cancelled, each an override with a RECURRENCE-ID. The port wants
them the way Google presents them (ports/calendar.py):

- the master is the event, its id the resource's name without `.ics`;
- a moved occurrence is an event of its own, `<series id>_<original start stamp>`, with
  `recurring_event_id` and `original_start`;
- a cancelled occurrence (STATUS:CANCELLED on the override, or an EXDATE) is not
  reported: it is among the master's exdates, and an override whose original start the
  master excludes is dropped when the master's recurrence is written.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo

from icalendar import Calendar, Event, Timezone

from tandem.connectors.caldav.errors import Unreadable
from tandem.connectors.caldav.ical import (
    ALL_GROUPS,
    RawValue,
    event_of,
    in_zone,
    moment_of,
    raw_rrules,
    stamp,
    touch,
    write_groups,
)
from tandem.domain.activity import Moment
from tandem.domain.calendar import CalendarEvent, EventStatus

PRODID = "-//Tandem//CalDAV adapter//EN"
_LAST_ZONE_DATE = date(2038, 1, 1)


def occurrence_id(series_id: str, original_start: Moment) -> str:
    return f"{series_id}_{stamp(original_start)}"


_STAMP = re.compile(r"(?P<day>\d{8})(?P<time>T\d{6}Z)?")


def split_occurrence_id(event_id: str) -> tuple[str, Moment] | None:
    """`<series id>_<stamp>` -> (series id, original start); None for any other id."""
    series, sep, suffix = event_id.rpartition("_")
    found = _STAMP.fullmatch(suffix) if sep and series else None
    if found is None:
        return None
    try:
        if found["time"]:
            return series, datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return series, date.fromisoformat(suffix)
    except ValueError:  # 20311345: digits, not a day
        return None


def load(text: str) -> Calendar:
    try:
        calendar = Calendar.from_ical(text)
    except ValueError as error:
        raise Unreadable(f"iCalendar the server sent ({error})") from error
    if not isinstance(calendar, Calendar):
        raise Unreadable("a resource that is not a VCALENDAR")
    found = vevents(calendar)
    rules = raw_rrules(text)
    if len(rules) != len(found):
        raise Unreadable("VEVENTs the parser and the line reader count differently")
    for vevent, rule in zip(found, rules, strict=True):
        if rule is not None:
            vevent["RRULE"] = RawValue(rule)  # written back as it was, not reordered
    return calendar


_VTIMEZONE = re.compile(r"BEGIN:VTIMEZONE\r?\n.*?END:VTIMEZONE\r?\n", re.DOTALL | re.IGNORECASE)
_TZID = re.compile(r"^TZID:([^\r\n]*)$", re.MULTILINE | re.IGNORECASE)


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _without_known_zones(text: str) -> str:
    """The text without its VTIMEZONEs of zones the zone database knows. icalendar reads a
    time whose TZID names such a zone in that zone whatever the VTIMEZONE says (it uses a
    VTIMEZONE only for a name it does not know), so the events read are the same; parsing
    those definitions was most of the CPU of reading a resource. A VTIMEZONE whose name is
    unknown, or not plainly written, stays."""

    def kept(block: re.Match[str]) -> str:
        named = _TZID.search(block.group())
        return "" if named is not None and named.group(1) in _zone_names() else block.group()

    return _VTIMEZONE.sub(kept, text)


def new_calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    return calendar


def serialize(calendar: Calendar) -> bytes:
    """The resource's text, with a VTIMEZONE for each zone its times name. A zone's
    definition covers the years from the earliest time on (icalendar's default, all
    transitions since 1970 as RDATEs, is ~120 lines a zone, and every read parses them)."""
    starts = [moment_of(v, "DTSTART") for v in vevents(calendar)] + [
        moment_of(v, "RECURRENCE-ID") for v in vevents(calendar)
    ]
    years = [m.year for m in starts if isinstance(m, datetime)]
    if years:
        first, last = date(min(years) - 1, 1, 1), max(_LAST_ZONE_DATE, date(max(years) + 2, 1, 1))
        at = len(calendar.timezones)  # after those it has, before the events (as icalendar puts them)
        for tzid in sorted(calendar.get_missing_tzids()):
            zone = _vtimezone(tzid, first, last)
            if zone is not None:
                calendar.subcomponents.insert(at, zone)
                at += 1
    return bytes(calendar.to_ical())


@functools.lru_cache(maxsize=256)
def _vtimezone(tzid: str, first: date, last: date) -> Timezone | None:
    """The zone's VTIMEZONE over these years (None for a zone the zone database does not
    know: its times go without one, as icalendar's `add_missing_timezones` leaves them).
    Made once: walking a zone's transitions was most of the CPU of writing an event. The
    component is shared by every calendar given it, so nothing may change it; `serialize`
    is the last thing done with a calendar."""
    try:
        return Timezone.from_tzid(tzid, first_date=first, last_date=last)
    except ValueError:
        return None


def vevents(calendar: Calendar) -> list[Event]:
    return [c for c in calendar.subcomponents if isinstance(c, Event)]


def master_of(calendar: Calendar) -> Event | None:
    return next((v for v in vevents(calendar) if "RECURRENCE-ID" not in v), None)


def _master_zone(master: Event | None) -> tzinfo | None:
    start = master.get("DTSTART") if master is not None else None
    return start.dt.tzinfo if start is not None and isinstance(start.dt, datetime) else None


def _original(override: Event, master: Event | None) -> Moment:
    original = moment_of(override, "RECURRENCE-ID", _master_zone(master))
    if original is None:
        raise Unreadable("an override without a RECURRENCE-ID")
    return original


def events_of(text: str, *, resource_id: str, etag: str, owner: str) -> list[CalendarEvent]:
    """The resource's master (when it has one) and its live moved occurrences."""
    calendar = load(_without_known_zones(text))
    master = master_of(calendar)
    series = None
    if master is not None:
        rrule = str(master["RRULE"]) if "RRULE" in master else None  # the text as written: `load`
        series = event_of(master, event_id=resource_id, rrule=rrule, etag=etag, owner=owner)
    excluded = {stamp(m) for m in series.recurrence.exdates} if series and series.recurrence else set()
    moved: list[CalendarEvent] = []
    cancelled: list[Moment] = []
    for override in vevents(calendar):
        if override is master:
            continue
        original = _original(override, master)
        occurrence = event_of(
            override, event_id=occurrence_id(resource_id, original), rrule=None, etag=etag, owner=owner
        )
        if occurrence.status is EventStatus.CANCELLED:
            cancelled.append(original)
        elif stamp(original) not in excluded:
            moved.append(replace(occurrence, recurring_event_id=resource_id, original_start=original))
    if series is not None and series.recurrence is not None and cancelled:
        more = tuple(m for m in cancelled if stamp(m) not in excluded)
        series = replace(series, recurrence=replace(series.recurrence, exdates=series.recurrence.exdates + more))
    return ([series] if series is not None else []) + moved


def write_series(
    calendar: Calendar, event: CalendarEvent, groups: Iterable[str], *, schedule_agent: str | None, now: datetime
) -> None:
    """Write the master's groups; overrides the series no longer has are dropped."""
    chosen = frozenset(groups)
    master = master_of(calendar)
    if master is None:
        master = Event()
        master.add("UID", event.id)
        calendar.add_component(master)
        chosen = ALL_GROUPS
    write_groups(master, event, chosen, schedule_agent=schedule_agent, now=now)
    if "recurrence" not in chosen:
        return
    kept = {stamp(m) for m in event.recurrence.exdates} if event.recurrence is not None else None
    for override in vevents(calendar):
        if override is not master and (kept is None or stamp(_original(override, master)) in kept):
            calendar.subcomponents.remove(override)


def write_occurrence(
    calendar: Calendar, event: CalendarEvent, groups: Iterable[str], *, schedule_agent: str | None, now: datetime
) -> bool:
    """Move (or cancel) one occurrence inside its series' resource; False without a master."""
    master = master_of(calendar)
    if master is None or event.original_start is None:
        return False
    zone = _master_zone(master)
    wanted = stamp(event.original_start)
    override = next((v for v in vevents(calendar) if v is not master and stamp(_original(v, master)) == wanted), None)
    if event.status is EventStatus.CANCELLED:
        if override is not None:
            calendar.subcomponents.remove(override)
        master.add("EXDATE", [in_zone(event.original_start, zone)])
        touch(master, now)
        return True
    chosen = frozenset(groups) - {"recurrence"}
    if override is None:
        override = Event()
        override.add("UID", master["UID"])
        override.add("RECURRENCE-ID", in_zone(event.original_start, zone))
        calendar.add_component(override)
        chosen = ALL_GROUPS - {"recurrence"}
    write_groups(override, replace(event, recurrence=None), chosen, schedule_agent=schedule_agent, now=now)
    return True
