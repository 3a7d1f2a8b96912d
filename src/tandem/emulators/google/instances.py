"""Occurrences of recurring series: virtual instances, exceptions, and series edits.

An occurrence nobody touched is *virtual*: computed from the master on every read, with
the master's etag. Writing or deleting it by its instance id makes an *exception*, a
stored event with `recurringEventId` + `originalStartTime` (a deleted occurrence is a
cancelled exception). When the master changes, exceptions keep what they overrode and
take the master's new value where they still had the old one; an exception whose
original start is no longer an occurrence of the edited series goes away, as in Google.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tandem.emulators.google import recurrence
from tandem.emulators.google.calendars import Calendar, Core, EventRecord, series_of
from tandem.emulators.google.rendering import instance_core, render_instance, render_listed
from tandem.emulators.google.sharing import fan_out
from tandem.emulators.google.times import When, when_from_stored
from tandem.emulators.google.world import World

INHERITED_FIELDS = (
    "summary",
    "description",
    "location",
    "colorId",
    "visibility",
    "transparency",
    "attendees",
    "shared",
    "reminders",
)
TIMING_FIELDS = ("start", "end", "recurrence")


@dataclass(frozen=True, slots=True)
class VirtualInstance:
    master: EventRecord
    original: When


def resolve(calendar: Calendar, event_id: str) -> EventRecord | VirtualInstance | None:
    """The stored event, or the untouched occurrence an instance id names, or None."""
    record = calendar.events.get(event_id)
    if record is not None:
        return record
    parts = recurrence.split_instance_id(event_id)
    if parts is None:
        return None
    master = calendar.events.get(parts[0])
    if master is None or not master.recurring:
        return None
    series = master.series()
    original = recurrence.original_from_stamp(parts[1], series)
    if original is None or not recurrence.occurs(series, original, calendar.time_zone):
        return None
    return VirtualInstance(master, original)


def materialize(world: World, calendar: Calendar, instance: VirtualInstance, core: Core | None = None) -> EventRecord:
    """Store an occurrence as an exception (with `core`, or unchanged from the master)."""
    master = instance.master
    stored = core if core is not None else instance_core(master.core, instance.original)
    record = EventRecord(
        stored["id"], stored, "", world.now, world.now, calendar.next_order(), private=dict(master.private)
    )
    calendar.add(record)
    calendar.touch(record, now=world.now, etag=world.new_etag())
    return record


def _exception_after_master_edit(exception: Core, before: Core, after: Core, calendar_zone: str) -> Core:
    if after.get("status") == "cancelled":
        return {**exception, "status": "cancelled"}
    original = exception.get("originalStartTime")
    timing_changed = any(before.get(f) != after.get(f) for f in TIMING_FIELDS)
    if (
        timing_changed
        and original is not None
        and not recurrence.occurs(series_of(after), when_from_stored(original), calendar_zone)
    ):
        return {**exception, "status": "cancelled"}
    updated = dict(exception)
    for name in INHERITED_FIELDS:
        if exception.get(name) == before.get(name) and before.get(name) != after.get(name):
            if name in after:
                updated[name] = after[name]
            else:
                updated.pop(name, None)
    return updated


def propagate(world: World, calendar: Calendar, master: EventRecord, before: Core) -> None:
    """Carry an organiser's series edit to its stored exceptions (and their copies)."""
    for exception in calendar.exceptions_of(master.event_id):
        if exception.core.get("status") == "cancelled":
            continue
        new_core = _exception_after_master_edit(exception.core, before, master.core, calendar.time_zone)
        if new_core != exception.core:
            old = exception.core
            exception.core = new_core
            calendar.touch(exception, now=world.now, etag=world.new_etag())
            fan_out(world, calendar, exception, old)


def occurrences(
    calendar: Calendar,
    master: EventRecord,
    *,
    after: datetime | None,
    before: datetime | None,
    show_deleted: bool,
) -> list[dict[str, Any]]:
    """The series as single events in the window: virtual instances merged with exceptions."""
    zone = calendar.time_zone
    exceptions = calendar.exceptions_of(master.event_id)
    overridden = {_key(e.core["originalStartTime"]) for e in exceptions}
    found: list[tuple[datetime, dict[str, Any]]] = []
    series = master.series()
    for occurrence in recurrence.expand(series, after=after, before=before, calendar_zone=zone):
        if _key(occurrence.stored()) not in overridden:
            found.append((occurrence.utc(zone), render_instance(master, occurrence, calendar)))
    for exception in exceptions:
        if exception.cancelled:
            original = exception.original_start()
            moment = original.utc(zone) if original else exception.start().utc(zone)
            if show_deleted and _within(moment, moment + series.duration, after, before):
                found.append((moment, render_listed(exception, calendar)))
            continue
        start, end = exception.start().utc(zone), exception.end().utc(zone)
        if _within(start, end, after, before):
            found.append((start, render_listed(exception, calendar)))
    found.sort(key=lambda pair: pair[0])
    return [item for _, item in found[: recurrence.MAX_INSTANCES]]


def _within(start: datetime, end: datetime, after: datetime | None, before: datetime | None) -> bool:
    """timeMin bounds the end (exclusive), timeMax the start (exclusive)."""
    if after is not None and end <= after:
        return False
    return before is None or start < before


def _key(stored: dict[str, str]) -> str:
    return stored.get("dateTime") or stored.get("date") or ""
