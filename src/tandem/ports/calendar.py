"""A calendar backend (Google Calendar API v3, CalDAV), as the runtime sees it.

One user's primary calendar at a time (CAL-4): every method takes the `calendar_id`
(for Google, the user's email; the adapter acts as that user). Methods raise only the
errors of `tandem.domain.errors`, translated at one place in each adapter:

    changes     FullSyncRequired (410 / invalid token: wipe the cursor, read in full)
    get         -- (a missing event is None, a deleted one comes back cancelled)
    insert      AlreadyExists (the deterministic id is taken: get it and plan again)
    update      PreconditionFailed (etag moved: get it and plan again), NotFound
    delete      PreconditionFailed; an already deleted or missing event is success
    all         RateLimited / Unavailable (back off, retry), QuotaExceeded (pause the
                user), AuthFailed / DelegationDenied, Forbidden, InvalidRequest,
                RemoteDataInvalid

What an adapter must present, so the sync core can stay simple:

- Events are `CalendarEvent`s with aware datetimes (UTC or any offset), dates for
  all-day events with an exclusive end, `time_zone` when the calendar has one, and
  `updated`/`etag` always set.
- A cancelled *occurrence* of a series is not reported on its own: the adapter reports
  the series master instead, with that occurrence's original start among its
  `recurrence.exdates`, and writes a master's exdates back the calendar's way (Google:
  EXDATE lines; CalDAV: EXDATE on the master). A moved occurrence is an event of its own
  with `recurring_event_id` and `original_start`.
- A full read (`changes(cursor=None)`) covers the whole calendar, without a time window;
  the core applies its own windows (CAL-10).
- `update(fields=...)` writes only the named field groups of
  `tandem.domain.syncstate.SYNCED_FIELD_GROUPS` ("summary", "description", "location",
  "timing", "recurrence", "private", "attendees"), leaving the rest of the event
  (reminders, colours, conference data) as it is; `fields=None` writes them all.
  Updating a cancelled event with `status=confirmed` brings it back under the same id
  (Google keeps the id taken).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.errors import TandemError


class CallObserver(Protocol):
    """Told of every call an adapter makes to its calendar server, for the metrics (BEY-4):
    the API's method (Google's `events.patch`, CalDAV's `PUT`), the quota units it cost
    (Google's; 0 where there is no quota), and the kind of error it met (`403
    rateLimitExceeded`, `412`, `transport`; None when it went through)."""

    def __call__(self, method: str, units: int, error: str | None) -> None: ...


def unobserved(method: str, units: int, error: str | None) -> None:
    """The observer of an adapter nobody watches."""


@dataclass(frozen=True, slots=True)
class CalendarChanges:
    """One read of a calendar: the events, where to continue, and whether it was full."""

    events: tuple[CalendarEvent, ...]
    next_cursor: str | None
    """Pass it to the next `changes`; None when the backend has no cursor (then read in full)."""
    full: bool
    """True when this was a full read (no cursor given, or the backend cannot read changes)."""


@dataclass(frozen=True, slots=True)
class EventInsert:
    event: CalendarEvent
    send_updates: SendUpdates


@dataclass(frozen=True, slots=True)
class EventUpdate:
    event: CalendarEvent
    if_match: str | None
    send_updates: SendUpdates
    fields: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class EventDelete:
    event_id: str
    if_match: str | None
    send_updates: SendUpdates


EventWrite = EventInsert | EventUpdate | EventDelete

WriteOutcome = CalendarEvent | None | TandemError
"""Per write of a batch: the event as written (None for a delete), or the error it met."""


class CalendarPort(Protocol):
    """A calendar backend. Capabilities are attributes the runtime and the core read."""

    @property
    def fans_out_invitations(self) -> bool:
        """The backend copies the organiser's event to attendees' calendars itself (Google,
        CalDAV with scheduling): Tandem writes only the organiser's copy."""
        ...

    @property
    def has_sync_token(self) -> bool:
        """The backend can list changes since a cursor (Google syncToken, RFC 6578)."""
        ...

    async def changes(self, calendar_id: str, cursor: str | None) -> CalendarChanges:
        """Events changed since `cursor` (deleted ones as cancelled), or all events if None."""
        ...

    async def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        """One event, cancelled ones included; None when the calendar has no trace of it."""
        ...

    async def insert(self, calendar_id: str, event: CalendarEvent, *, send_updates: SendUpdates) -> CalendarEvent:
        """Create the event under its own `id`."""
        ...

    async def update(
        self,
        calendar_id: str,
        event: CalendarEvent,
        *,
        if_match: str | None,
        send_updates: SendUpdates,
        fields: frozenset[str] | None = None,
    ) -> CalendarEvent:
        """Write the event (or only `fields`) if its etag is still `if_match` (None: unconditionally)."""
        ...

    async def delete(self, calendar_id: str, event_id: str, *, if_match: str | None, send_updates: SendUpdates) -> None:
        """Delete the event; one already deleted or missing is not an error."""
        ...

    async def batch(self, calendar_id: str, writes: Sequence[EventWrite]) -> Sequence[WriteOutcome]:
        """Several writes in one round trip where the backend can (Google: up to 1000 per
        batch); each succeeds or fails on its own, outcomes in the order of `writes`."""
        ...
