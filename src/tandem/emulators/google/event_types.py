"""Google's event types (GOOGLE_NOTES "Event types"): what each type must look like when it
is made, and what a later write may change on it.

    type              made through the API          a write may change
    default           yes                           anything
    outOfOffice       timed, opaque                 anything (the type stays)
    focusTime         timed, opaque                 anything (the type stays)
    workingLocation   public, transparent           anything (the type stays)
    fromGmail         never (Gmail makes them)      colorId, reminders, visibility, transparency,
                                                    status, attendees, extended properties
    birthday          one-day all-day yearly,       summary, colorId, reminders, and the date
                      private, transparent          (still one all-day day; never for a
                                                    birthday tied to a contact)

A write that changes anything else on a restricted type is 400 `eventTypeRestriction`
(`errors.event_type_restriction`). The table is `WRITABLE`; a field written with the value
it already has is no change, so a `get` followed by an `update` of the same body passes.
"""

from __future__ import annotations

from typing import Any

from tandem.emulators.google import errors
from tandem.emulators.google.calendars import Core
from tandem.emulators.google.times import When, when_from_stored

EVENT_TYPES = ("default", "outOfOffice", "focusTime", "workingLocation", "fromGmail", "birthday")
STATUS_TYPES = ("outOfOffice", "focusTime", "workingLocation")
PRIVATE = "extendedProperties.private"
"""The writer's private extended properties: kept on the record, not in the core."""
WRITABLE: dict[str, frozenset[str]] = {
    "fromGmail": frozenset(
        {"colorId", "reminders", "visibility", "transparency", "status", "attendees", "shared", PRIVATE}
    ),
    "birthday": frozenset({"summary", "colorId", "reminders", "start", "end"}),
}
"""The stored fields a write may change, per restricted type (every other type: all)."""
RECOMPUTED = frozenset({"sequence"})
"""Fields Google derives from the others: never compared."""


def event_type(
    body: dict[str, Any], context: Core | None, start: When, end: When, core: Core, *, seeded: bool = False
) -> str:
    """The event's type and Google's rules for making it: fixed once the event exists (an
    occurrence has its series' type); `fromGmail` is never made through the API (`seeded`:
    Gmail itself makes it); out-of-office and focus time are timed and opaque; a working
    location is public and transparent; a birthday is a one-day, all-day, yearly, private
    and transparent entry."""
    given = body.get("eventType")
    if given is not None and given not in EVENT_TYPES:
        raise errors.invalid("Invalid value for: eventType", location="eventType")
    stored = (context or {}).get("eventType")
    if stored is not None:
        if given is not None and given != stored:
            raise errors.invalid("The event type cannot be changed.", location="eventType")
        return str(stored)
    kind = given or "default"
    if kind == "fromGmail" and not seeded:
        raise errors.invalid("Events of type fromGmail cannot be created through the API.", location="eventType")
    if kind in ("outOfOffice", "focusTime"):
        if start.all_day or core.get("transparency") == "transparent":
            raise errors.invalid(f"A {kind} event must be timed and opaque.", location="eventType")
    elif kind == "workingLocation":
        if core.get("transparency") != "transparent" or core.get("visibility", "public") != "public":
            raise errors.invalid("A workingLocation event must be public and transparent.", location="eventType")
    elif kind == "birthday":
        yearly = [line.upper() for line in body.get("recurrence") or []] == ["RRULE:FREQ=YEARLY"]
        hidden = core.get("visibility") == "private" and core.get("transparency") == "transparent"
        if not (_one_day(start, end) and yearly and hidden):
            raise errors.invalid(
                "A birthday event must be a one-day all-day yearly event, private and transparent.",
                location="eventType",
            )
    return kind


def _one_day(start: When, end: When) -> bool:
    return start.day is not None and end.day is not None and (end.day - start.day).days == 1


def changed_fields(before: Core, after: Core) -> list[str]:
    """The stored fields a write changes (Google's derived ones left out)."""
    names = (set(before) | set(after)) - RECOMPUTED
    return sorted(name for name in names if before.get(name) != after.get(name))


def check_write(before: Core, after: Core, private_before: dict[str, str], private_after: dict[str, str]) -> None:
    """400 `eventTypeRestriction` when a write changes what the event's type keeps fixed."""
    kind = str(before.get("eventType", "default"))
    writable = WRITABLE.get(kind)
    if writable is None:
        return
    changed = changed_fields(before, after)
    if private_before != private_after:
        changed.append(PRIVATE)
    if any(name not in writable for name in changed):
        raise errors.event_type_restriction(kind)
    if kind == "birthday" and ("start" in changed or "end" in changed):
        start, end = when_from_stored(after["start"]), when_from_stored(after["end"])
        tied_to_contact = bool((before.get("birthdayProperties") or {}).get("contact"))
        if tied_to_contact or not _one_day(start, end):
            raise errors.event_type_restriction(kind)
