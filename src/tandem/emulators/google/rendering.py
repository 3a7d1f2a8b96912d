"""From stored records to the JSON the API answers, per calendar.

The same event looks different in each calendar that holds it: `self` marks the reader's
own attendee entry, `organizer.self`/`creator.self` tell whether the reader is them, times
without a zone show in the reader's calendar zone, and private extended properties are the
copy's own. Deleted events in lists carry only what Google guarantees: `id`, `status`
(and, for a cancelled occurrence, `recurringEventId` + `originalStartTime`).
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from tandem.emulators.google.calendars import Calendar, Core, EventRecord
from tandem.emulators.google.recurrence import instance_id
from tandem.emulators.google.times import When, format_timestamp, when_from_stored

_PLAIN_FIELDS = (
    "summary",
    "description",
    "location",
    "colorId",
    "visibility",
    "transparency",
    "recurrence",
    "recurringEventId",
    "guestsCanModify",
    "guestsCanInviteOthers",
    "guestsCanSeeOtherGuests",
    "anyoneCanAddSelf",
    "birthdayProperties",
    "outOfOfficeProperties",
)


def html_link(event_id: str, calendar_owner: str) -> str:
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar_owner}".encode()).decode("ascii").rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def _person(email: str, reader: str) -> dict[str, Any]:
    out: dict[str, Any] = {"email": email}
    if email == reader:
        out["self"] = True
    return out


def _attendees(core: Core, reader: str, own_response: str | None) -> list[dict[str, Any]]:
    rendered = []
    for attendee in core.get("attendees", ()):
        entry = dict(attendee)
        if entry["email"] == reader:
            entry["self"] = True
            if own_response is not None:
                entry["responseStatus"] = own_response
        rendered.append(entry)
    return rendered


def render_core(
    core: Core,
    *,
    calendar: Calendar,
    etag: str,
    created: str,
    updated: str,
    private: dict[str, str],
    status: str,
    own_response: str | None = None,
) -> dict[str, Any]:
    reader = calendar.owner
    out: dict[str, Any] = {
        "kind": "calendar#event",
        "etag": etag,
        "id": core["id"],
        "status": status,
        "htmlLink": html_link(core["id"], reader),
        "created": created,
        "updated": updated,
    }
    for name in _PLAIN_FIELDS:
        if name in core:
            out[name] = core[name]
    out["creator"] = _person(core["creator"]["email"], reader)
    out["organizer"] = _person(core["organizer"]["email"], reader)
    out["start"] = when_from_stored(core["start"]).render(calendar.time_zone)
    out["end"] = when_from_stored(core["end"]).render(calendar.time_zone)
    if "originalStartTime" in core:
        out["originalStartTime"] = when_from_stored(core["originalStartTime"]).render(calendar.time_zone)
    out["iCalUID"] = core["iCalUID"]
    out["sequence"] = core["sequence"]
    if core.get("attendees"):
        out["attendees"] = _attendees(core, reader, own_response)
    properties: dict[str, dict[str, str]] = {}
    if private:
        properties["private"] = dict(private)
    if core.get("shared"):
        properties["shared"] = dict(core["shared"])
    if properties:
        out["extendedProperties"] = properties
    out["reminders"] = core.get("reminders", {"useDefault": True})
    out["eventType"] = core.get("eventType", "default")
    return out


def render(record: EventRecord, calendar: Calendar) -> dict[str, Any]:
    """The full event, as `get` answers it (also for a deleted one: status `cancelled`)."""
    return render_core(
        record.core,
        calendar=calendar,
        etag=record.etag,
        created=format_timestamp(record.created),
        updated=format_timestamp(record.updated),
        private=record.private,
        status="cancelled" if record.cancelled else record.core["status"],
        own_response=record.own_response,
    )


def render_listed(record: EventRecord, calendar: Calendar) -> dict[str, Any]:
    """As a list shows it: deleted events minimal."""
    if not record.cancelled:
        return render(record, calendar)
    out: dict[str, Any] = {"kind": "calendar#event", "etag": record.etag, "id": record.event_id, "status": "cancelled"}
    original = record.original_start()
    if record.master_id and original is not None:
        out["recurringEventId"] = record.master_id
        out["originalStartTime"] = original.render(calendar.time_zone)
    return out


def instance_core(master: Core, original: When) -> Core:
    """The stored form of one unmodified occurrence of `master` (same fields, shifted times)."""
    start = when_from_stored(master["start"])
    end = when_from_stored(master["end"])
    if start.day is not None:
        assert original.day is not None
        delta = timedelta(days=(original.day - start.day).days)
    else:
        delta = original.utc("UTC") - start.utc("UTC")
    core = {k: v for k, v in master.items() if k != "recurrence"}
    core["id"] = instance_id(master["id"], original)
    core["recurringEventId"] = master["id"]
    core["originalStartTime"] = original.stored()
    core["start"] = start.shifted(delta).stored()
    core["end"] = end.shifted(delta).stored()
    return core


def render_instance(master: EventRecord, original: When, calendar: Calendar) -> dict[str, Any]:
    """A virtual occurrence: it carries the master's etag until it becomes an exception."""
    return render_core(
        instance_core(master.core, original),
        calendar=calendar,
        etag=master.etag,
        created=format_timestamp(master.created),
        updated=format_timestamp(master.updated),
        private=master.private,
        status="cancelled" if master.cancelled else master.core["status"],
        own_response=master.own_response,
    )
