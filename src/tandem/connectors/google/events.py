"""Google's event JSON <-> `CalendarEvent`. Pure: no I/O.

    Google                                   CalendarEvent
    start/end {"date"}                       date (all-day; end exclusive, never shifted)
    start/end {"dateTime", "timeZone"}       aware datetime in UTC; time_zone = start's zone
    recurrence [RRULE/EXDATE/RDATE lines]    recurrence (see `recurrence`)
    visibility private | confidential        private=True (written back as "private")
    attendees[] (+organizer, self, ...)      attendees
    organizer.email                          organizer_email
    extendedProperties.private               private_properties (Tandem's write mark lives here)
    status, etag, updated, sequence          the same
    recurringEventId, originalStartTime      recurring_event_id, original_start

Reading is lenient per field and strict about identity: an event without an `id` makes
the whole answer unreadable, while an event whose times cannot be read comes through
without `start`/`end`, so the sync core sets that one item aside with a reason (CAL-17)
and the rest of the calendar still syncs.

Writing builds either a whole event (insert) or a patch of named field groups
(`SYNCED_FIELD_GROUPS`): a patch names only what it changes, and `null` clears a field.
Google keeps most fields of some event types fixed (`WRITABLE_GROUPS`): a patch of any
other group of such an event is refused here (Unwritable), before anything is sent, so the
sync sets the item aside with the reason (CAL-17) instead of Google's 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tandem.connectors.google.errors import Unreadable, Unwritable
from tandem.connectors.google.recurrence import recurrence_from_lines, recurrence_lines
from tandem.domain import limits
from tandem.domain.activity import Moment
from tandem.domain.calendar import Attendee, CalendarEvent, EventStatus, ResponseStatus
from tandem.domain.syncstate import SYNCED_FIELD_GROUPS

PRIVATE_VISIBILITIES = frozenset({"private", "confidential"})
WRITABLE_GROUPS: dict[str, frozenset[str]] = {"fromGmail": frozenset({"private", "attendees"})}
"""BEY-10: the field groups Google lets a write change, per restricted event type; every
other type: all. On a `fromGmail` entry (a flight, a reservation Gmail found) Google lets
only colorId, reminders, visibility, transparency, status, attendees and the extended
properties change (GOOGLE_NOTES "Event types"): of Tandem's groups, privacy and attendees
(and status and Tandem's write mark, which ride along)."""


# ------------------------------------------------------------------------------ reading


def _moment(value: Any) -> tuple[Moment | None, str | None]:
    """(moment, zone) of a start/end/originalStartTime; (None, None) when unreadable."""
    if not isinstance(value, Mapping):
        return None, None
    zone = value.get("timeZone") if isinstance(value.get("timeZone"), str) else None
    try:
        if isinstance(value.get("date"), str):
            return date.fromisoformat(value["date"]), zone
        raw = value.get("dateTime")
        if not isinstance(raw, str):
            return None, zone
        parsed = datetime.fromisoformat(raw)
        if parsed.tzinfo is None:
            if zone is None or not limits.is_time_zone(zone):
                return None, None
            parsed = parsed.replace(tzinfo=ZoneInfo(zone))
        return parsed.astimezone(UTC), zone
    except (ValueError, ZoneInfoNotFoundError):
        return None, None


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def _attendee(item: Any) -> Attendee | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("email"), str):
        return None
    try:
        response = ResponseStatus(item.get("responseStatus", ResponseStatus.NEEDS_ACTION.value))
    except ValueError:
        response = ResponseStatus.NEEDS_ACTION
    name = item.get("displayName")
    return Attendee(
        email=item["email"],
        display_name=name if isinstance(name, str) and name else None,
        response_status=response,
        organizer=bool(item.get("organizer", False)),
        is_self=bool(item.get("self", False)),
        resource=bool(item.get("resource", False)),
        optional=bool(item.get("optional", False)),
    )


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) else None


def _status(item: Mapping[str, Any]) -> EventStatus:
    try:
        return EventStatus(item.get("status", EventStatus.CONFIRMED.value))
    except ValueError:
        return EventStatus.CONFIRMED


def _private_properties(item: Mapping[str, Any]) -> dict[str, str]:
    properties = item.get("extendedProperties")
    private = properties.get("private") if isinstance(properties, Mapping) else None
    if not isinstance(private, Mapping):
        return {}
    return {str(k): str(v) for k, v in private.items() if isinstance(v, str)}


def event_from_json(item: Any, *, fallback_updated: datetime | None = None) -> CalendarEvent:
    """The `CalendarEvent` of one Google event. `fallback_updated` stands in for `updated`
    on the minimal entries a list gives deleted events (the list's own `updated`)."""
    if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not item["id"]:
        raise Unreadable("an event without an id")
    start, zone = _moment(item.get("start"))
    end, end_zone = _moment(item.get("end"))
    zone = zone or end_zone
    if start is None or end is None:
        start = end = None
    lines = item.get("recurrence")
    recurrence = None
    if isinstance(lines, list) and lines:
        recurrence = recurrence_from_lines([str(line) for line in lines], start, zone)
    organizer = item.get("organizer")
    attendees = tuple(a for a in map(_attendee, item.get("attendees") or ()) if a is not None)
    sequence = item.get("sequence")
    return CalendarEvent(
        id=item["id"],
        start=start,
        end=end,
        time_zone=zone,
        summary=_text(item, "summary"),
        description=_text(item, "description"),
        location=_text(item, "location"),
        status=_status(item),
        private=item.get("visibility") in PRIVATE_VISIBILITIES,
        recurrence=recurrence,
        recurring_event_id=_text(item, "recurringEventId"),
        original_start=_moment(item.get("originalStartTime"))[0],
        attendees=attendees,
        organizer_email=_text(organizer, "email") if isinstance(organizer, Mapping) else None,
        etag=_text(item, "etag"),
        updated=parse_timestamp(item.get("updated")) or fallback_updated,
        sequence=sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else 0,
        private_properties=_private_properties(item),
        event_type=_text(item, "eventType") or "default",
    )


# ------------------------------------------------------------------------------ writing


def _zone_of(name: str) -> ZoneInfo:
    if not limits.is_time_zone(name):
        raise Unwritable(f"unknown time zone {name!r}")
    return ZoneInfo(name)


def _when(moment: Moment, zone: str | None, *, series: bool, patch: bool) -> dict[str, Any]:
    if not isinstance(moment, datetime):
        out: dict[str, Any] = {"date": moment.isoformat()}
        return {**out, "dateTime": None, "timeZone": None} if patch else out
    if moment.tzinfo is None:
        raise Unwritable(f"the time {moment.isoformat()} has no time zone")
    if zone is None and series:
        zone = "UTC"  # Google insists on a zone for a recurring event's start
    if zone is None:
        out = {"dateTime": moment.astimezone(UTC).isoformat().replace("+00:00", "Z")}
        return {**out, "date": None, "timeZone": None} if patch else out
    out = {"dateTime": moment.astimezone(_zone_of(zone)).isoformat(), "timeZone": zone}
    return {**out, "date": None} if patch else out


def _timing(event: CalendarEvent, patch: bool) -> dict[str, Any]:
    if event.start is None or event.end is None:
        raise Unwritable(f"event {event.id} has no start or no end")
    if isinstance(event.start, datetime) != isinstance(event.end, datetime):
        raise Unwritable(f"event {event.id}: start and end must both be dates or both be times")
    series = event.recurrence is not None
    return {
        "start": _when(event.start, event.time_zone, series=series, patch=patch),
        "end": _when(event.end, event.time_zone, series=series, patch=patch),
    }


def _attendees_json(event: CalendarEvent) -> list[dict[str, Any]]:
    out = []
    for attendee in event.attendees:
        entry: dict[str, Any] = {"email": attendee.email, "responseStatus": attendee.response_status.value}
        if attendee.display_name:
            entry["displayName"] = attendee.display_name
        if attendee.optional:
            entry["optional"] = True
        if attendee.resource:
            entry["resource"] = True
        out.append(entry)
    return out


def _recurrence_json(event: CalendarEvent) -> list[str] | None:
    if event.recurrence is None:
        return None
    if event.start is None:
        raise Unwritable(f"event {event.id} has a recurrence but no start")
    return recurrence_lines(event.recurrence, event.start, event.time_zone)


def _group(event: CalendarEvent, group: str, patch: bool) -> dict[str, Any]:
    """The JSON of one synced field group (None values clear the field in a patch)."""
    if group in ("summary", "description", "location"):
        return {group: getattr(event, group)}
    if group == "timing":
        return _timing(event, patch)
    if group == "recurrence":
        return {} if event.recurring_event_id else {"recurrence": _recurrence_json(event)}
    if group == "private":
        return {"visibility": "private" if event.private else "default"}
    if group == "attendees":
        return {"attendees": _attendees_json(event)}
    raise Unwritable(f"unknown field group {group!r} (known: {', '.join(SYNCED_FIELD_GROUPS)})")


def insert_body(event: CalendarEvent) -> dict[str, Any]:
    """A whole new event under its own id (None fields left out)."""
    body: dict[str, Any] = {"id": event.id, "status": event.status.value}
    for group in SYNCED_FIELD_GROUPS:
        body.update({k: v for k, v in _group(event, group, patch=False).items() if v is not None})
    if event.private_properties:
        body["extendedProperties"] = {"private": dict(event.private_properties)}
    if event.event_type == "outOfOffice":
        # BEY-10: an absence; Google wants it opaque. Tandem never declines anyone's meeting.
        body.update(
            eventType="outOfOffice", transparency="opaque", outOfOfficeProperties={"autoDeclineMode": "declineNone"}
        )
    return body


def _check_writable(event: CalendarEvent, groups: tuple[str, ...]) -> None:
    """Unwritable when the patch would change a group Google keeps fixed on this event's type:
    what cannot be written must not be silently dropped."""
    writable = WRITABLE_GROUPS.get(event.event_type)
    if writable is None:
        return
    refused = [group for group in groups if group not in writable]
    if refused:
        raise Unwritable(
            f"event {event.id} is a {event.event_type} entry, on which Google lets only the "
            f"{', '.join(sorted(writable))} fields change (not {', '.join(refused)})"
        )


def updated_body(copy: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """The whole event for events.update: Google's `copy` with `patch` applied as Google
    applies a patch (objects merged key by key, anything else replaced, null removes)."""
    body = dict(copy)
    for key, value in patch.items():
        current = body.get(key)
        if value is None:
            body.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(current, Mapping):
            body[key] = updated_body(current, value)
        else:
            body[key] = value
    return body


def patch_body(event: CalendarEvent, fields: frozenset[str] | None) -> dict[str, Any]:
    """A patch of the named field groups (all with `fields=None`, then with `status` too, so a
    cancelled event comes back). Private extended properties merge key by key on Google's
    side, so Tandem's write mark rides along without touching other applications' keys."""
    groups = SYNCED_FIELD_GROUPS if fields is None else tuple(sorted(fields))
    _check_writable(event, groups)
    body: dict[str, Any] = {}
    for group in groups:
        body.update(_group(event, group, patch=True))
    if fields is None:
        body["status"] = event.status.value
    if event.private_properties:
        body["extendedProperties"] = {"private": dict(event.private_properties)}
    return body
