"""Event reads and writes on one calendar: get, insert, update, patch, delete.

Who writes decides what a write may do. On the organiser's copy everything is writable and
every change reaches the attendees' copies (`sharing.fan_out`) and, per `sendUpdates`,
their mailboxes. On an attendee's copy Google keeps only the attendee's own
`responseStatus` and private extended properties and silently ignores everything else,
except a changed *shared* property, which is 403 `forbiddenForNonOrganizer`; the response
goes to the organiser's event and from there to every copy.

An event's type may keep fields fixed (`event_types.WRITABLE`: a `fromGmail` entry's title
and times, most of a birthday): a write that changes one is 400 `eventTypeRestriction`,
whether it is an update or a patch. Such events are never inserted through the API; a test
puts one in a calendar with `seed_event`, as Gmail or Contacts would.
"""

from __future__ import annotations

from typing import Any

from tandem.emulators.google import errors, event_types
from tandem.emulators.google.calendars import Calendar, Core, EventRecord
from tandem.emulators.google.instances import VirtualInstance, materialize, propagate, resolve
from tandem.emulators.google.rendering import instance_core, render, render_instance
from tandem.emulators.google.sharing import fan_out, notify_reply, notify_write
from tandem.emulators.google.validation import (
    RESPONSES,
    build_core,
    clean_properties,
    merge_patch,
    new_event_id,
    validate_event_id,
)
from tandem.emulators.google.world import World

MAX_PROPAGATED_GUESTS = 200


def _etag_of(target: EventRecord | VirtualInstance) -> str:
    return target.master.etag if isinstance(target, VirtualInstance) else target.etag


def _organizer_of(target: EventRecord | VirtualInstance) -> str:
    return target.master.organizer if isinstance(target, VirtualInstance) else target.organizer


def _check_if_match(target: EventRecord | VirtualInstance, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() not in ("*", _etag_of(target)):
        raise errors.condition_not_met()


def _found(calendar: Calendar, event_id: str) -> EventRecord | VirtualInstance:
    target = resolve(calendar, event_id)
    if target is None:
        raise errors.not_found()
    return target


def get_event(
    calendar: Calendar, event_id: str, *, if_match: str | None = None, if_none_match: str | None = None
) -> dict[str, Any] | None:
    """The event (a deleted one with status `cancelled`); None means 304 Not Modified."""
    target = _found(calendar, event_id)
    _check_if_match(target, if_match)
    if if_none_match is not None and if_none_match.strip() == _etag_of(target):
        return None
    if isinstance(target, VirtualInstance):
        return render_instance(target.master, target.original, calendar)
    return render(target, calendar)


def insert_event(
    world: World, calendar: Calendar, body: dict[str, Any], *, send_updates: str, as_service_account: bool
) -> dict[str, Any]:
    raw_id = body.get("id")
    event_id = validate_event_id(raw_id) if raw_id is not None else new_event_id()
    if event_id in calendar.events:
        raise errors.duplicate()
    if body.get("attendees") and as_service_account:
        raise errors.forbidden_for_service_accounts()
    if body.get("eventType") in event_types.STATUS_TYPES and calendar.owner in world.without_status_events:
        raise errors.invalid(f"This user cannot have events of type {body['eventType']}.", location="eventType")
    core, private = build_core(body, event_id=event_id, organizer=calendar.owner, creator=calendar.owner, previous=None)
    record = EventRecord(event_id, core, "", world.now, world.now, calendar.next_order(), private=private)
    calendar.add(record)
    calendar.touch(record, now=world.now, etag=world.new_etag())
    fan_out(world, calendar, record, None)
    notify_write(world, None, core, send_updates, world.now)
    return render(record, calendar)


def seed_event(world: World, calendar: Calendar, body: dict[str, Any]) -> dict[str, Any]:
    """An event Google itself puts in the calendar (a `fromGmail` entry Gmail found in mail, a
    birthday from Contacts, `birthdayProperties.contact` included): the rules of `insert` but
    the one that keeps `fromGmail` out of the API, and nobody is mailed."""
    raw_id = body.get("id")
    event_id = validate_event_id(raw_id) if raw_id is not None else new_event_id()
    if event_id in calendar.events:
        raise errors.duplicate()
    core, private = build_core(
        body, event_id=event_id, organizer=calendar.owner, creator=calendar.owner, previous=None, seeded=True
    )
    record = EventRecord(event_id, core, "", world.now, world.now, calendar.next_order(), private=private)
    calendar.add(record)
    calendar.touch(record, now=world.now, etag=world.new_etag())
    return render(record, calendar)


def write_event(
    world: World,
    calendar: Calendar,
    event_id: str,
    body: dict[str, Any],
    *,
    patch: bool,
    if_match: str | None,
    send_updates: str,
    as_service_account: bool,
) -> dict[str, Any]:
    """`update` (patch=False: the body replaces the event) or `patch` (merged into it)."""
    target = _found(calendar, event_id)
    _check_if_match(target, if_match)
    if _organizer_of(target) != calendar.owner:
        return _attendee_write(world, calendar, target, body, patch=patch, send_updates=send_updates)
    if isinstance(target, VirtualInstance):
        before = instance_core(target.master.core, target.original)
        current = render_instance(target.master, target.original, calendar)
    else:
        before = target.core
        current = render(target, calendar)
    merged = merge_patch(current, body) if patch else body
    if as_service_account and merged.get("attendees"):
        raise errors.forbidden_for_service_accounts()
    core, private = build_core(
        merged,
        event_id=event_id,
        organizer=calendar.owner,
        creator=calendar.owner,
        previous=None if isinstance(target, VirtualInstance) else before,
        exception_of=before if isinstance(target, VirtualInstance) else None,
    )
    private_before = target.master.private if isinstance(target, VirtualInstance) else target.private
    event_types.check_write(before, core, private_before, private)
    if isinstance(target, VirtualInstance):
        record = materialize(world, calendar, target, core)
    else:
        record = target
        record.core = core
        calendar.touch(record, now=world.now, etag=world.new_etag())
    record.private = private
    _after_organizer_change(world, calendar, record, before, send_updates)
    return render(record, calendar)


def delete_event(world: World, calendar: Calendar, event_id: str, *, if_match: str | None, send_updates: str) -> None:
    target = _found(calendar, event_id)
    if isinstance(target, EventRecord) and target.cancelled:
        raise errors.deleted()
    _check_if_match(target, if_match)
    if _organizer_of(target) != calendar.owner:
        record = _attendee_target(world, calendar, target)
        record.dismissed = True
        calendar.touch(record, now=world.now, etag=world.new_etag())
        _respond(world, calendar, record, "declined", send_updates)
        return
    if isinstance(target, VirtualInstance):
        before = instance_core(target.master.core, target.original)
        record = materialize(world, calendar, target, {**before, "status": "cancelled"})
    else:
        record, before = target, target.core
        record.core = {**before, "status": "cancelled"}
        calendar.touch(record, now=world.now, etag=world.new_etag())
    _after_organizer_change(world, calendar, record, before, send_updates)


def _after_organizer_change(
    world: World, calendar: Calendar, record: EventRecord, before: Core, send_updates: str
) -> None:
    if record.recurring:
        propagate(world, calendar, record, before)
    fan_out(world, calendar, record, before)
    notify_write(world, before, record.core, send_updates, world.now)


def _attendee_target(world: World, calendar: Calendar, target: EventRecord | VirtualInstance) -> EventRecord:
    """The attendee's stored copy; an untouched occurrence first becomes an exception at the organiser."""
    if isinstance(target, EventRecord):
        return target
    organizer_calendar = world.calendars[target.master.organizer]
    event_id = instance_core(target.master.core, target.original)["id"]
    upstream = resolve(organizer_calendar, event_id)
    if isinstance(upstream, VirtualInstance):
        exception = materialize(world, organizer_calendar, upstream)
        fan_out(world, organizer_calendar, exception, None)
    record = calendar.events.get(event_id)
    if record is None:
        raise errors.not_found()
    return record


def _own_response(body: dict[str, Any], reader: str) -> str | None:
    for attendee in body.get("attendees") or ():
        if isinstance(attendee, dict) and str(attendee.get("email", "")).lower() == reader:
            status = attendee.get("responseStatus")
            if status is not None and status not in RESPONSES:
                raise errors.invalid("Invalid value for: responseStatus", location="attendees.responseStatus")
            return str(status) if status is not None else None
    return None


def _attendee_write(
    world: World,
    calendar: Calendar,
    target: EventRecord | VirtualInstance,
    body: dict[str, Any],
    *,
    patch: bool,
    send_updates: str,
) -> dict[str, Any]:
    record = _attendee_target(world, calendar, target)
    current = render(record, calendar)
    merged = merge_patch(current, body) if patch else body
    properties = merged.get("extendedProperties") or {}
    if "shared" in properties and clean_properties(properties["shared"], "shared") != record.core.get("shared", {}):
        raise errors.forbidden_for_non_organizer()
    private = clean_properties(properties.get("private"), "private")
    if private != record.private:
        record.private = private
        calendar.touch(record, now=world.now, etag=world.new_etag())
    response = _own_response(merged, calendar.owner)
    shown = next((a["responseStatus"] for a in current.get("attendees", ()) if a.get("self")), None)
    if response is not None and response != shown and not record.removed:
        if record.dismissed and response != "declined":
            record.dismissed = False
        _respond(world, calendar, record, response, send_updates)
    return render(record, calendar)


def _respond(world: World, calendar: Calendar, copy: EventRecord, status: str, send_updates: str) -> None:
    """An attendee's answer: onto the organiser's event (hence every copy), or kept on the
    copy alone when the event has more guests than Google propagates responses for."""
    organizer_calendar = world.calendars.get(copy.organizer)
    upstream = organizer_calendar.events.get(copy.event_id) if organizer_calendar else None
    if (
        upstream is None
        or organizer_calendar is None
        or len(upstream.core.get("attendees", ())) > MAX_PROPAGATED_GUESTS
    ):
        copy.own_response = status
        calendar.touch(copy, now=world.now, etag=world.new_etag())
        return
    before = upstream.core
    attendees = [{**a, "responseStatus": status} if a["email"] == calendar.owner else a for a in before["attendees"]]
    upstream.core = {**before, "attendees": attendees}
    organizer_calendar.touch(upstream, now=world.now, etag=world.new_etag())
    if upstream.recurring:
        propagate(world, organizer_calendar, upstream, before)
    fan_out(world, organizer_calendar, upstream, before)
    notify_reply(world, upstream.core, calendar.owner, send_updates, world.now)
