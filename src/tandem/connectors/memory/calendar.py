"""`CalendarPort` over dictionaries, keeping the rules of Google Calendar that the sync
relies on (see `tandem.ports.calendar`):

- every write gives the event a new etag and `updated`; a write with a stale `If-Match`
  is `PreconditionFailed`, and an id stays taken after a delete (`AlreadyExists`);
- a sync token names a position in the calendar's own change log; an unknown token, or
  one from before `expire_sync_tokens`, is `FullSyncRequired` (Google's 410);
- a full read leaves cancelled events out, an incremental one reports them cancelled;
- a cancelled occurrence of a series is not reported on its own: its series master is,
  with the occurrence's original start among its exdates;
- an occurrence exists as soon as its series does: updating it by its instance id (with
  `recurring_event_id` and `original_start`) makes it a moved occurrence, and it is
  cancelled when its series is, stops recurring, or excludes its original start;
- `update(fields=...)` writes only the named field groups.

Many calendars, keyed by calendar id, share one instance. The `user_*` methods are a
person working in their calendar, for tests; they obey no etag.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from tandem.domain import errors, limits
from tandem.domain.calendar import CalendarEvent, EventStatus, SendUpdates
from tandem.domain.syncstate import SYNCED_FIELD_GROUPS
from tandem.ports.calendar import CalendarChanges, EventDelete, EventInsert, EventUpdate, EventWrite, WriteOutcome

FIELDS_OF_GROUP: dict[str, tuple[str, ...]] = {
    "summary": ("summary",),
    "description": ("description",),
    "location": ("location",),
    "timing": ("start", "end", "time_zone"),
    "recurrence": ("recurrence",),
    "private": ("private",),
    "attendees": ("attendees",),
}
"""The event attributes each of `SYNCED_FIELD_GROUPS` names."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Calendar:
    generation: int = 0
    """Bumped by `expire_sync_tokens`: tokens of older generations are refused."""
    seq: int = 0
    events: dict[str, CalendarEvent] = field(default_factory=dict)
    changed_at: dict[str, int] = field(default_factory=dict)
    """The seq of each event's last change."""


class MemoryCalendar:
    """Any number of calendars in memory, each with its own change log and tokens."""

    fans_out_invitations: bool = True
    has_sync_token: bool = True

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self.clock = clock
        self._calendars: dict[str, _Calendar] = {}
        self._etags = 0

    def _calendar(self, calendar_id: str) -> _Calendar:
        return self._calendars.setdefault(calendar_id, _Calendar())

    # ------------------------------------------------------------------ reads

    async def changes(self, calendar_id: str, cursor: str | None) -> CalendarChanges:
        cal = self._calendar(calendar_id)
        token = f"{calendar_id}|{cal.generation}|{cal.seq}"
        if cursor is None:
            live = tuple(e for e in cal.events.values() if not e.cancelled)
            return CalendarChanges(live, token, full=True)
        after = self._position(cal, calendar_id, cursor)
        changed = tuple(
            e
            for event_id, e in cal.events.items()
            if cal.changed_at[event_id] > after and not (e.cancelled and e.recurring_event_id)
        )
        return CalendarChanges(changed, token, full=False)

    @staticmethod
    def _position(cal: _Calendar, calendar_id: str, cursor: str) -> int:
        owner, _, rest = cursor.partition("|")
        generation, _, seq = rest.partition("|")
        position = limits.whole_number(seq)
        if (
            owner != calendar_id
            or generation != str(cal.generation)
            or position is None
            or not 0 <= position <= cal.seq
        ):
            raise errors.FullSyncRequired(f"the sync token of calendar {calendar_id} is no longer valid")
        return position

    async def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        return self._calendar(calendar_id).events.get(event_id)

    # ------------------------------------------------------------------ the sync's writes

    async def insert(self, calendar_id: str, event: CalendarEvent, *, send_updates: SendUpdates) -> CalendarEvent:
        return self._insert(calendar_id, event)

    async def update(
        self,
        calendar_id: str,
        event: CalendarEvent,
        *,
        if_match: str | None,
        send_updates: SendUpdates,
        fields: frozenset[str] | None = None,
    ) -> CalendarEvent:
        return self._update(calendar_id, event, if_match, fields)

    async def delete(self, calendar_id: str, event_id: str, *, if_match: str | None, send_updates: SendUpdates) -> None:
        self._delete(calendar_id, event_id, if_match)

    async def batch(self, calendar_id: str, writes: Sequence[EventWrite]) -> Sequence[WriteOutcome]:
        return [self._one(calendar_id, write) for write in writes]

    def _one(self, calendar_id: str, write: EventWrite) -> WriteOutcome:
        try:
            match write:
                case EventInsert(event=event):
                    return self._insert(calendar_id, event)
                case EventUpdate(event=event, if_match=if_match, fields=fields):
                    return self._update(calendar_id, event, if_match, fields)
                case EventDelete(event_id=event_id, if_match=if_match):
                    self._delete(calendar_id, event_id, if_match)
                    return None
        except errors.TandemError as refused:
            return refused
        raise TypeError(f"not a calendar write: {write!r}")  # pragma: no cover - the union is closed

    # ------------------------------------------------------------------ a person in the calendar

    def user_create(self, calendar_id: str, event: CalendarEvent) -> CalendarEvent:
        return self._insert(calendar_id, event)

    def user_edit(self, calendar_id: str, event_id: str, **changes: Any) -> CalendarEvent:
        current = self._existing(calendar_id, event_id)
        return self._commit(calendar_id, replace(current, **changes))

    def user_delete(self, calendar_id: str, event_id: str) -> None:
        self._delete(calendar_id, event_id, None)

    def events(self, calendar_id: str) -> list[CalendarEvent]:
        """The calendar's live events, in the order they were created."""
        return [e for e in self._calendar(calendar_id).events.values() if not e.cancelled]

    def expire_sync_tokens(self, calendar_id: str) -> None:
        """Every token given out so far is refused from now on (Google's 410 Gone)."""
        self._calendar(calendar_id).generation += 1

    # ------------------------------------------------------------------ the one way to change

    def _existing(self, calendar_id: str, event_id: str) -> CalendarEvent:
        current = self._calendar(calendar_id).events.get(event_id)
        if current is None:
            raise errors.NotFound(f"calendar {calendar_id} has no event {event_id}")
        return current

    def _commit(self, calendar_id: str, event: CalendarEvent) -> CalendarEvent:
        cal = self._calendar(calendar_id)
        cal.seq += 1
        self._etags += 1
        previous = cal.events.get(event.id)
        stamped = replace(
            event,
            etag=f'"{self._etags}"',
            updated=self.clock(),
            sequence=(previous.sequence + 1) if previous is not None else event.sequence,
            private_properties=dict(event.private_properties),
        )
        cal.events[event.id] = stamped
        cal.changed_at[event.id] = cal.seq
        if previous is not None and previous.recurrence is not None and event.recurring_event_id is None:
            self._cancel_excluded_occurrences(calendar_id, stamped)
        return stamped

    def _occurs(self, calendar_id: str, occurrence: CalendarEvent) -> bool:
        """Whether `occurrence` names an occurrence of a live series of the calendar (the
        rule itself is not expanded here: any original start it does not exclude)."""
        if occurrence.recurring_event_id is None or occurrence.original_start is None:
            return False
        master = self._calendar(calendar_id).events.get(occurrence.recurring_event_id)
        return (
            master is not None
            and not master.cancelled
            and master.recurrence is not None
            and occurrence.original_start not in master.recurrence.exdates
        )

    def _cancel_excluded_occurrences(self, calendar_id: str, master: CalendarEvent) -> None:
        """As Google does: a moved occurrence goes with its series' cancellation, its
        rule, or an EXDATE of its original start."""
        cal = self._calendar(calendar_id)
        for event in list(cal.events.values()):
            if event.recurring_event_id == master.id and not event.cancelled and not self._occurs(calendar_id, event):
                self._commit(calendar_id, replace(event, status=EventStatus.CANCELLED))

    def _insert(self, calendar_id: str, event: CalendarEvent) -> CalendarEvent:
        if not event.id:
            raise errors.InvalidRequest("an event needs an id")
        if event.id in self._calendar(calendar_id).events:
            raise errors.AlreadyExists(f"the id {event.id} is taken in calendar {calendar_id}")
        return self._commit(calendar_id, replace(event, organizer_email=event.organizer_email or calendar_id))

    def _update(
        self, calendar_id: str, event: CalendarEvent, if_match: str | None, fields: frozenset[str] | None
    ) -> CalendarEvent:
        if event.id not in self._calendar(calendar_id).events and self._occurs(calendar_id, event):
            return self._commit(calendar_id, replace(event, organizer_email=event.organizer_email or calendar_id))
        current = self._existing(calendar_id, event.id)
        if if_match is not None and if_match != current.etag:
            raise errors.PreconditionFailed(f"event {event.id} changed since etag {if_match}")
        groups = SYNCED_FIELD_GROUPS if fields is None else tuple(fields)
        unknown = set(groups) - set(FIELDS_OF_GROUP)
        if unknown:
            raise errors.InvalidRequest(f"unknown field groups {sorted(unknown)}")
        changes: dict[str, Any] = {name: getattr(event, name) for group in groups for name in FIELDS_OF_GROUP[group]}
        if fields is None:
            changes["status"] = event.status
        changes["private_properties"] = {**current.private_properties, **event.private_properties}
        return self._commit(calendar_id, replace(current, **changes))

    def _delete(self, calendar_id: str, event_id: str, if_match: str | None) -> None:
        current = self._calendar(calendar_id).events.get(event_id)
        if current is None or current.cancelled:
            return  # Google answers 404/410; deleting what is gone is done
        if if_match is not None and if_match != current.etag:
            raise errors.PreconditionFailed(f"event {event_id} changed since etag {if_match}")
        self._commit(calendar_id, replace(current, status=EventStatus.CANCELLED))
        if current.recurring_event_id is not None and current.original_start is not None:
            self._exclude_from_master(calendar_id, current.recurring_event_id, current)

    def _exclude_from_master(self, calendar_id: str, master_id: str, occurrence: CalendarEvent) -> None:
        """A cancelled occurrence shows as an exdate of its master (ports/calendar.py)."""
        master = self._calendar(calendar_id).events.get(master_id)
        if master is None or master.recurrence is None or occurrence.original_start is None:
            return
        if occurrence.original_start in master.recurrence.exdates:
            return
        exdates = (*master.recurrence.exdates, occurrence.original_start)
        self._commit(calendar_id, replace(master, recurrence=replace(master.recurrence, exdates=exdates)))
