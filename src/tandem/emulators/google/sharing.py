"""Invitations: attendees' copies of an organiser's event, and the emails Google would send.

Google gives every attendee who is a user of the domain a copy of the organiser's event in
their own primary calendar, with the same event id. The copy follows the organiser's event
(it shares its `core`), turns `cancelled` when the attendee is removed or the event deleted,
and every such change is a change in the attendee's own calendar (their sync feed sees it).

Emails follow `sendUpdates` (absent means `none` for API callers):

    sendUpdates    who gets mail
    all            every attendee but the organiser (inside and outside the domain)
    externalOnly   attendees outside the domain
    none           nobody

and the kind of mail follows from the attendee's place before and after the write (`KINDS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tandem.emulators.google.calendars import Calendar, Core, EventRecord

if TYPE_CHECKING:
    from tandem.emulators.google.world import World

VISIBLE_FIELDS = ("summary", "description", "location", "start", "end", "recurrence")

# (attendee of the live event before, after, anything an invitation shows changed) -> mail
KINDS: dict[tuple[bool, bool, bool], str | None] = {
    (False, True, False): "invitation",
    (False, True, True): "invitation",
    (True, False, False): "cancellation",
    (True, False, True): "cancellation",
    (True, True, True): "update",
    (True, True, False): None,
    (False, False, False): None,
    (False, False, True): None,
}


@dataclass(frozen=True, slots=True)
class Notification:
    """One email Google would have sent."""

    recipient: str
    kind: str  # invitation | update | cancellation | reply
    event_id: str
    organizer: str
    summary: str | None
    time: datetime

    def as_json(self) -> dict[str, str | None]:
        return {
            "recipient": self.recipient,
            "kind": self.kind,
            "eventId": self.event_id,
            "organizer": self.organizer,
            "summary": self.summary,
            "time": self.time.isoformat(),
        }


def _guests(core: Core | None) -> dict[str, dict[str, object]]:
    """Attendees of a live event, by email (a cancelled event has none to mail)."""
    if core is None or core.get("status") == "cancelled":
        return {}
    return {str(a["email"]): a for a in core.get("attendees", ())}


def wants_mail(world: World, recipient: str, organizer: str, send_updates: str) -> bool:
    if send_updates == "all":
        return recipient != organizer
    if send_updates == "externalOnly":
        return recipient != organizer and not world.is_internal(recipient)
    return False


def notify_write(world: World, before: Core | None, after: Core, send_updates: str, now: datetime) -> None:
    """Mail the attendees about an organiser's insert/update/patch/delete."""
    if send_updates not in ("all", "externalOnly"):
        return
    organizer = str(after["organizer"]["email"])
    old, new = _guests(before), _guests(after)
    visible = before is None or any(before.get(f) != after.get(f) for f in VISIBLE_FIELDS)
    for email in sorted(set(old) | set(new)):
        attendee = new.get(email) or old[email]
        if attendee.get("resource") or not wants_mail(world, email, organizer, send_updates):
            continue
        kind = KINDS[(email in old, email in new, visible)]
        if kind is not None:
            world.notifications.append(
                Notification(email, kind, str(after["id"]), organizer, after.get("summary"), now)
            )


def notify_reply(world: World, core: Core, attendee: str, send_updates: str, now: datetime) -> None:
    organizer = str(core["organizer"]["email"])
    if wants_mail(world, organizer, attendee, send_updates):
        world.notifications.append(
            Notification(organizer, "reply", str(core["id"]), organizer, core.get("summary"), now)
        )


def _copy_holders(world: World, core: Core | None, organizer: str) -> set[str]:
    if core is None:
        return set()
    return {
        str(a["email"])
        for a in core.get("attendees", ())
        if a["email"] != organizer and not a.get("resource") and world.is_user(str(a["email"]))
    }


def fan_out(world: World, organizer_calendar: Calendar, record: EventRecord, before: Core | None) -> None:
    """Bring every attendee's copy of `record` in line with the organiser's version."""
    organizer = organizer_calendar.owner
    now_holders = _copy_holders(world, record.core, organizer)
    for email in sorted(now_holders | _copy_holders(world, before, organizer)):
        calendar = world.calendars[email]
        present = email in now_holders
        copy = calendar.events.get(record.event_id)
        if copy is None:
            if present:
                copy = EventRecord(record.event_id, record.core, "", world.now, world.now, calendar.next_order())
                calendar.add(copy)
                calendar.touch(copy, now=world.now, etag=world.new_etag())
            continue
        if copy.organizer != organizer:
            continue  # the attendee has an unrelated event of their own under this id
        changed = copy.core is not record.core or copy.removed == present
        if present and copy.removed:
            copy.dismissed = False
        copy.core, copy.removed = record.core, not present
        if changed:
            calendar.touch(copy, now=world.now, etag=world.new_etag())
