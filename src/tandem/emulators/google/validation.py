"""From a client's event body to the stored `core`, with Google's checks and quiet fix-ups.

What Google refuses (400 with its reason) and what it silently repairs are both behaviour
a client can notice, so both are here: ids must be base32hex (a-v, 0-9), 5-1024 long;
the end may not be before the start; a timed series needs `start.timeZone`; extended
property keys over 44 characters are dropped and values over 1024 are truncated. What each
event type must look like, and may change, is in `event_types`.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from tandem.emulators.google import errors, recurrence
from tandem.emulators.google.calendars import Core
from tandem.emulators.google.event_types import event_type
from tandem.emulators.google.times import When, parse_when

ID_CHARACTERS = frozenset("abcdefghijklmnopqrstuv0123456789")
STATUSES = ("confirmed", "tentative", "cancelled")
VISIBILITIES = ("default", "public", "private", "confidential")
TRANSPARENCIES = ("opaque", "transparent")
RESPONSES = ("needsAction", "declined", "tentative", "accepted")
SEQUENCE_FIELDS = ("start", "end", "recurrence", "location", "summary")
TEXT_FIELDS = ("summary", "description", "location", "colorId")
FLAG_FIELDS = ("guestsCanModify", "guestsCanInviteOthers", "guestsCanSeeOtherGuests", "anyoneCanAddSelf")
MAX_KEY = 44
MAX_VALUE = 1024
MAX_PROPERTIES = 300
MAX_PROPERTY_BYTES = 32 * 1024


def validate_event_id(value: Any) -> str:
    if not isinstance(value, str) or not 5 <= len(value) <= 1024 or not set(value) <= ID_CHARACTERS:
        raise errors.invalid("Invalid resource id value.", location="id")
    return value


def new_event_id() -> str:
    """A random 128-bit id in base32hex: 26 characters, as Google generates them."""
    raw = base64.b32hexencode(uuid.uuid4().bytes).decode("ascii")
    return raw.rstrip("=").lower()


def clean_properties(raw: Any, scope: str) -> dict[str, str]:
    """Google's silent limits: long keys dropped, long values truncated."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise errors.invalid(f"Invalid value for: extendedProperties.{scope}", location="extendedProperties")
    cleaned: dict[str, str] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise errors.invalid(f"Invalid value for: extendedProperties.{scope}", location="extendedProperties")
        if len(key) > MAX_KEY:
            continue
        cleaned[key] = value[:MAX_VALUE]
    return cleaned


def check_property_totals(private: dict[str, str], shared: dict[str, str]) -> None:
    items = list(private.items()) + list(shared.items())
    if len(items) > MAX_PROPERTIES:
        raise errors.invalid("Too many extended properties.", location="extendedProperties")
    if sum(len(k.encode()) + len(v.encode()) for k, v in items) > MAX_PROPERTY_BYTES:
        raise errors.invalid("Extended properties are too large.", location="extendedProperties")


def _enum(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = body.get(name, default)
    if value is not None and value not in allowed:
        raise errors.invalid(f"Invalid value for: {name}", location=name)
    return value


def normalize_attendees(raw: Any, organizer: str, previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attendees as stored: lower-cased emails, one entry each, responses kept unless given."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise errors.invalid("Invalid attendee list.", location="attendees")
    before = {str(a["email"]).lower(): a for a in previous}
    result: dict[str, dict[str, Any]] = {}
    for item in raw:
        email = item.get("email") if isinstance(item, dict) else None
        if not isinstance(email, str) or "@" not in email or email.startswith("@") or email.endswith("@"):
            raise errors.invalid("Invalid attendee email.", location="attendees.email")
        key = email.strip().lower()
        entry: dict[str, Any] = {"email": key}
        for name in ("displayName", "comment"):
            if isinstance(item.get(name), str):
                entry[name] = item[name]
        for name in ("optional", "resource"):
            if item.get(name):
                entry[name] = True
        if isinstance(item.get("additionalGuests"), int):
            entry["additionalGuests"] = item["additionalGuests"]
        status = item.get("responseStatus")
        if status is not None and status not in RESPONSES:
            raise errors.invalid("Invalid value for: responseStatus", location="attendees.responseStatus")
        if status is None:
            status = before[key]["responseStatus"] if key in before else None
        if key == organizer:
            entry["organizer"] = True
            status = status or "accepted"
        entry["responseStatus"] = status or "needsAction"
        result[key] = entry
    return list(result.values())


def _times(body: dict[str, Any]) -> tuple[When, When]:
    start = parse_when(body.get("start"), field="start")
    end = parse_when(body.get("end"), field="end")
    if start.all_day != end.all_day:
        raise errors.invalid("Start and end times must either both be date or both be dateTime.", location="end")
    if start.all_day:
        assert start.day is not None
        assert end.day is not None
        if end.day <= start.day:
            raise errors.time_range_empty("end")
    elif end.utc("UTC") < start.utc("UTC"):
        raise errors.time_range_empty("end")
    return start, end


def _plain_fields(body: dict[str, Any], core: Core) -> None:
    for name in TEXT_FIELDS:
        if isinstance(body.get(name), str):
            core[name] = body[name]
    for name, allowed in (("visibility", VISIBILITIES), ("transparency", TRANSPARENCIES)):
        value = _enum(body, name, allowed, None)
        if value is not None:
            core[name] = value
    for name in FLAG_FIELDS:
        if isinstance(body.get(name), bool):
            core[name] = body[name]
    if isinstance(body.get("reminders"), dict):
        core["reminders"] = body["reminders"]


def _properties(body: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(private, shared) extended properties after Google's silent limits."""
    properties = body.get("extendedProperties") or {}
    if not isinstance(properties, dict):
        raise errors.invalid("Invalid value for: extendedProperties", location="extendedProperties")
    private = clean_properties(properties.get("private"), "private")
    shared = clean_properties(properties.get("shared"), "shared")
    check_property_totals(private, shared)
    return private, shared


def _recurrence(body: dict[str, Any], start: When) -> list[str] | None:
    lines = body.get("recurrence")
    if not lines:
        return None
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise errors.invalid("Invalid recurrence rule.", location="recurrence")
    recurrence.validate(lines, start)
    return list(lines)


def build_core(
    body: dict[str, Any],
    *,
    event_id: str,
    organizer: str,
    creator: str,
    previous: Core | None,
    exception_of: Core | None = None,
    seeded: bool = False,
) -> tuple[Core, dict[str, str]]:
    """The stored fields of an event written with `body` (a whole-event replacement).

    Returns the shared core and the writer's private extended properties. `exception_of`
    is the stored core of a series' occurrence this write turns into an exception.
    `seeded`: Google itself makes the event (Gmail, Contacts), not a client of the API.
    """
    start, end = _times(body)
    core: Core = {"id": event_id, "status": _enum(body, "status", STATUSES, "confirmed")}
    _plain_fields(body, core)
    core["start"], core["end"] = start.stored(), end.stored()
    context = exception_of or previous
    core["eventType"] = event_type(body, context, start, end, core, seeded=seeded)
    birthday = (context or {}).get("birthdayProperties") or (body.get("birthdayProperties") if seeded else None)
    if core["eventType"] == "birthday" and isinstance(birthday, dict):
        core["birthdayProperties"] = birthday  # output only: Contacts ties a birthday to a contact
    if core["eventType"] == "outOfOffice":
        core["outOfOfficeProperties"] = _out_of_office(body, context)
    if context is not None and context.get("recurringEventId"):
        core["recurringEventId"] = context["recurringEventId"]
        core["originalStartTime"] = context["originalStartTime"]
    elif (lines := _recurrence(body, start)) is not None:
        core["recurrence"] = lines
    private, shared = _properties(body)
    if shared:
        core["shared"] = shared
    prior_attendees = (context or {}).get("attendees", [])
    core["attendees"] = normalize_attendees(body.get("attendees"), organizer, prior_attendees)
    core["organizer"] = {"email": organizer}
    core["creator"] = (previous or {}).get("creator", {"email": creator})
    core["iCalUID"] = (context or {}).get("iCalUID") or _ical_uid(body, event_id)
    core["sequence"] = _sequence(previous or exception_of, core, body.get("sequence"))
    return core, private


DECLINE_MODES = ("declineNone", "declineAllConflictingInvitations", "declineOnlyNewConflictingInvitations")


def _out_of_office(body: dict[str, Any], context: Core | None) -> dict[str, Any]:
    """`outOfOfficeProperties` as written (or as they were): how Google answers invitations
    that meet the absence, and with what message."""
    given = body.get("outOfOfficeProperties")
    if given is None:
        kept = (context or {}).get("outOfOfficeProperties")
        return dict(kept) if isinstance(kept, dict) else {"autoDeclineMode": "declineNone"}
    if not isinstance(given, dict) or given.get("autoDeclineMode", "declineNone") not in DECLINE_MODES:
        raise errors.invalid(
            "Invalid value for: outOfOfficeProperties.autoDeclineMode", location="outOfOfficeProperties"
        )
    out: dict[str, Any] = {"autoDeclineMode": given.get("autoDeclineMode", "declineNone")}
    if isinstance(given.get("declineMessage"), str):
        out["declineMessage"] = given["declineMessage"]
    return out


def _ical_uid(body: dict[str, Any], event_id: str) -> str:
    given = body.get("iCalUID")
    return given if isinstance(given, str) and given else f"{event_id}@google.com"


def _sequence(previous: Core | None, core: Core, requested: Any) -> int:
    """Google bumps `sequence` when what an invitation shows changes (time, place, title, rule)."""
    current = int(previous.get("sequence", 0)) if previous else 0
    if previous is not None and any(previous.get(f) != core.get(f) for f in SEQUENCE_FIELDS):
        current += 1
    if isinstance(requested, int) and not isinstance(requested, bool) and requested > current:
        current = requested
    return current


def merge_patch(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Google's patch semantics: nested objects merge recursively, arrays are replaced whole,
    and `null` removes a field. A time given as `date` replaces a `dateTime` (and back)."""
    merged = dict(current)
    for key, value in patch.items():
        old = current.get(key)
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(old, dict):
            if key in ("start", "end", "originalStartTime"):
                old = {k: v for k, v in old.items() if k not in ("date", "dateTime") or k in value}
            merged[key] = merge_patch(old, value)
        else:
            merged[key] = value
    return merged
