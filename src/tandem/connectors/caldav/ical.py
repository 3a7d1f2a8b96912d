"""One VEVENT <-> `CalendarEvent`, property by property, with `icalendar`.

    CalendarEvent          VEVENT
    summary, description,  SUMMARY, DESCRIPTION, LOCATION
      location
    start, end, time_zone  DTSTART/DTEND with TZID (a VTIMEZONE is added to the resource),
                           UTC when the event has no zone; all-day: VALUE=DATE, DTEND
                           exclusive (a missing DTEND: one day, or DURATION)
    recurrence             RRULE (its text kept as written: icalendar would reorder its
                           parts, and the sync compares rules as text), EXDATE, RDATE in
                           the kind and zone of DTSTART
    private                CLASS:PRIVATE (CONFIDENTIAL reads as private too)
    attendees              ATTENDEE;CN;PARTSTAT;ROLE;CUTYPE, and SCHEDULE-AGENT=CLIENT
                           unless the server is to invite them (RFC 6638 §7.1)
    organizer_email        ORGANIZER
    status                 STATUS (CANCELLED, TENTATIVE; otherwise confirmed)
    private_properties     X-TANDEM-PRIVATE;X-TANDEM-KEY=<key>:<value>
    updated, sequence      LAST-MODIFIED (else DTSTAMP), SEQUENCE

Writing touches only the properties of the field groups asked for (`GROUP_PROPERTIES`):
everything else of the VEVENT (VALARM, X- properties, categories) stays as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Event, Parameters, vCalAddress

from tandem.connectors.caldav.errors import Unreadable, Unwritable
from tandem.domain.activity import Moment, Recurrence
from tandem.domain.calendar import Attendee, CalendarEvent, EventStatus, ResponseStatus

GROUP_PROPERTIES: dict[str, tuple[str, ...]] = {
    "summary": ("SUMMARY",),
    "description": ("DESCRIPTION",),
    "location": ("LOCATION",),
    "timing": ("DTSTART", "DTEND", "DURATION"),
    "recurrence": ("RRULE", "EXDATE", "RDATE"),
    "private": ("CLASS",),
    "attendees": ("ATTENDEE", "ORGANIZER"),
}
ALL_GROUPS = frozenset(GROUP_PROPERTIES)
PRIVATE_PROPERTY = "X-TANDEM-PRIVATE"
PRIVATE_KEY = "X-TANDEM-KEY"
_PARTSTAT = {
    "NEEDS-ACTION": ResponseStatus.NEEDS_ACTION,
    "ACCEPTED": ResponseStatus.ACCEPTED,
    "DECLINED": ResponseStatus.DECLINED,
    "TENTATIVE": ResponseStatus.TENTATIVE,
}
_PARTSTAT_OF = {status: name for name, status in _PARTSTAT.items()}
_STATUS = {"CANCELLED": EventStatus.CANCELLED, "TENTATIVE": EventStatus.TENTATIVE}


def all_of(vevent: Event, name: str) -> list[Any]:
    """A property that may occur once or many times, as a list."""
    value = vevent.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def stamp(moment: Moment) -> str:
    """An occurrence's original start as Google names it: `YYYYMMDDTHHMMSSZ` or `YYYYMMDD`."""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return moment.strftime("%Y%m%d")


def raw_rrules(text: str) -> list[str | None]:
    """The RRULE of each VEVENT of a resource, in order, exactly as written (plain string
    work: icalendar's own line parser would double the cost of reading a resource)."""
    found: list[str | None] = []
    inside = False
    for line in re.sub(r"\r?\n[ \t]", "", text).splitlines():
        upper = line[:12].upper()
        if upper.startswith("BEGIN:VEVENT"):
            found.append(None)
            inside = True
        elif upper.startswith("END:VEVENT"):
            inside = False
        elif inside and upper.startswith("RRULE") and line[5:6] in (":", ";") and found[-1] is None:
            found[-1] = line.split(":", 1)[1].strip()
    return found


# ------------------------------------------------------------------ reading


def _aware(value: Moment, zone: tzinfo | None) -> Moment:
    """A floating time (no TZID, no Z) is read in the event's zone, else in UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=zone or UTC)
    return value


def _zone_name(vevent: Event) -> str | None:
    start = vevent.get("DTSTART")
    if start is None or not isinstance(start.dt, datetime) or start.dt.tzinfo is None:
        return None
    key = getattr(start.dt.tzinfo, "key", None) or start.params.get("TZID")
    if not key or key == "UTC":
        return None
    try:
        ZoneInfo(str(key))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return str(key)


def moment_of(vevent: Event, name: str, zone: tzinfo | None = None) -> Moment | None:
    prop = vevent.get(name)
    if prop is None:
        return None
    value = prop.dt
    if not isinstance(value, date):
        raise Unreadable(f"{name} {value!r} is not a date or a date-time")
    return _aware(value, zone)


def _end(vevent: Event, start: Moment | None, zone: tzinfo | None) -> Moment | None:
    end = moment_of(vevent, "DTEND", zone)
    if end is not None or start is None:
        return end
    duration = vevent.get("DURATION")
    if duration is not None and isinstance(duration.dt, timedelta):
        return start + duration.dt
    return start + timedelta(days=1) if not isinstance(start, datetime) else start


def _moments(vevent: Event, name: str, zone: tzinfo | None) -> tuple[Moment, ...]:
    return tuple(_aware(one.dt, zone) for prop in all_of(vevent, name) for one in prop.dts)


def recurrence_of(vevent: Event, rrule: str | None) -> Recurrence | None:
    if rrule is None:
        return None
    zone = _zone(_zone_name(vevent))
    return Recurrence(rrule=rrule, exdates=_moments(vevent, "EXDATE", zone), rdates=_moments(vevent, "RDATE", zone))


def _email(address: object) -> str:
    text = str(address)
    return text[len("mailto:") :] if text.lower().startswith("mailto:") else text


def _attendees(vevent: Event, organizer: str | None, owner: str) -> tuple[Attendee, ...]:
    found = []
    for address in all_of(vevent, "ATTENDEE"):
        email = _email(address)
        params = getattr(address, "params", {})
        found.append(
            Attendee(
                email=email,
                display_name=params.get("CN") or None,
                response_status=_PARTSTAT.get(str(params.get("PARTSTAT", "")).upper(), ResponseStatus.NEEDS_ACTION),
                organizer=organizer is not None and email.lower() == organizer.lower(),
                is_self=email.lower() == owner.lower(),
                resource=str(params.get("CUTYPE", "")).upper() in ("RESOURCE", "ROOM"),
                optional=str(params.get("ROLE", "")).upper() == "OPT-PARTICIPANT",
            )
        )
    return tuple(found)


def _private_properties(vevent: Event) -> dict[str, str]:
    return {str(p.params[PRIVATE_KEY]): str(p) for p in all_of(vevent, PRIVATE_PROPERTY) if PRIVATE_KEY in p.params}


def event_of(vevent: Event, *, event_id: str, rrule: str | None, etag: str, owner: str) -> CalendarEvent:
    """The VEVENT as an event; `rrule` as `raw_rrules` found it."""
    try:
        zone_name = _zone_name(vevent)
        zone = _zone(zone_name)
        start = moment_of(vevent, "DTSTART", zone)
        organizer = _email(vevent["ORGANIZER"]) if "ORGANIZER" in vevent else None
        updated = moment_of(vevent, "LAST-MODIFIED") or moment_of(vevent, "DTSTAMP")
        return CalendarEvent(
            id=event_id,
            start=start,
            end=_end(vevent, start, zone),
            time_zone=zone_name,
            summary=_text(vevent, "SUMMARY"),
            description=_text(vevent, "DESCRIPTION"),
            location=_text(vevent, "LOCATION"),
            status=_STATUS.get(str(vevent.get("STATUS", "")).upper(), EventStatus.CONFIRMED),
            private=str(vevent.get("CLASS", "")).upper() in ("PRIVATE", "CONFIDENTIAL"),
            recurrence=recurrence_of(vevent, rrule),
            attendees=_attendees(vevent, organizer, owner),
            organizer_email=organizer,
            etag=etag,
            updated=updated if isinstance(updated, datetime) else datetime.now(UTC),
            sequence=int(vevent.get("SEQUENCE", 0)),
            private_properties=_private_properties(vevent),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise Unreadable(f"a VEVENT of {event_id}.ics ({error!r})") from error


def _text(vevent: Event, name: str) -> str | None:
    value = vevent.get(name)
    return str(value) if value is not None and str(value) else None


# ------------------------------------------------------------------ writing


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Unwritable(f"unknown time zone {name!r}") from error


def in_zone(moment: Moment, zone: tzinfo | None) -> Moment:
    """How a moment is written: dates as they are, times in the event's zone or UTC."""
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        raise Unwritable(f"naive datetime {moment!r}")
    return moment.astimezone(zone or UTC)


def _replace(vevent: Event, name: str, value: object, **params: str) -> None:
    vevent.pop(name, None)
    if value is not None and value != "":
        vevent.add(name, value, parameters=params)


def _write_timing(vevent: Event, event: CalendarEvent) -> None:
    zone = _zone(event.time_zone)
    for name in GROUP_PROPERTIES["timing"]:
        vevent.pop(name, None)
    if event.start is not None:
        vevent.add("DTSTART", in_zone(event.start, zone))
    if event.end is not None:
        vevent.add("DTEND", in_zone(event.end, zone))


def _write_recurrence(vevent: Event, event: CalendarEvent, zone: tzinfo | None) -> None:
    for name in GROUP_PROPERTIES["recurrence"]:
        vevent.pop(name, None)
    if event.recurrence is None:
        return
    rule = event.recurrence.rrule.removeprefix("RRULE:").removeprefix("rrule:")
    vevent["RRULE"] = RawValue(rule)  # the text as the caller wrote it (see `raw_rrules`)
    for name, moments in (("EXDATE", event.recurrence.exdates), ("RDATE", event.recurrence.rdates)):
        if moments:
            vevent.add(name, [in_zone(m, zone) for m in moments])


class RawValue(str):
    """A property value icalendar writes as it is (an RRULE's text, `raw_rrules`)."""

    __slots__ = ()

    @property
    def params(self) -> Parameters:
        return Parameters()

    def to_ical(self) -> bytes:
        return self.encode("utf-8")


def _write_attendees(vevent: Event, event: CalendarEvent, schedule_agent: str | None) -> None:
    for name in GROUP_PROPERTIES["attendees"]:
        vevent.pop(name, None)
    organizer = event.organizer_email or next((a.email for a in event.attendees if a.organizer), None)
    if organizer:
        vevent.add("ORGANIZER", vCalAddress(f"mailto:{organizer}"))
    for attendee in event.attendees:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["PARTSTAT"] = _PARTSTAT_OF[attendee.response_status]
        address.params["ROLE"] = "OPT-PARTICIPANT" if attendee.optional else "REQ-PARTICIPANT"
        address.params["CUTYPE"] = "RESOURCE" if attendee.resource else "INDIVIDUAL"
        if attendee.display_name:
            address.params["CN"] = attendee.display_name
        if schedule_agent:
            address.params["SCHEDULE-AGENT"] = schedule_agent
        vevent.add("ATTENDEE", address)


def write_groups(
    vevent: Event, event: CalendarEvent, groups: Iterable[str], *, schedule_agent: str | None, now: datetime
) -> None:
    """Put the event's field groups into the VEVENT; its other properties stay."""
    chosen = set(groups)
    for simple in ("summary", "description", "location"):
        if simple in chosen:
            _replace(vevent, simple.upper(), getattr(event, simple))
    if "timing" in chosen:
        _write_timing(vevent, event)
    if "recurrence" in chosen:
        _write_recurrence(vevent, event, _zone(event.time_zone) if isinstance(event.start, datetime) else None)
    if "private" in chosen:
        _replace(vevent, "CLASS", "PRIVATE" if event.private else None)
    if "attendees" in chosen:
        _write_attendees(vevent, event, schedule_agent)
    _replace(vevent, "STATUS", "TENTATIVE" if event.status is EventStatus.TENTATIVE else "CONFIRMED")
    vevent.pop(PRIVATE_PROPERTY, None)
    for key, value in event.private_properties.items():
        vevent.add(PRIVATE_PROPERTY, value, parameters={PRIVATE_KEY: key})
    touch(vevent, now)


def touch(vevent: Event, now: datetime) -> None:
    """Mark the VEVENT as written now (DTSTAMP, LAST-MODIFIED, SEQUENCE + 1)."""
    written = now.astimezone(UTC).replace(microsecond=0)
    _replace(vevent, "DTSTAMP", written)
    _replace(vevent, "LAST-MODIFIED", written)
    _replace(vevent, "SEQUENCE", int(vevent.get("SEQUENCE", -1)) + 1)
