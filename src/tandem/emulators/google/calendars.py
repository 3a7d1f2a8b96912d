"""Per-user calendars: the stored events and the change sequence sync tokens read.

Each calendar keeps its events in creation order (stable paging for full lists) and an
ordering by last change (`changes`), so an incremental read walks back from the newest
change only as far as the token's sequence number: the cost is the number of changes
since the token, never the size of the calendar or of the emulator.

An `EventRecord` is one calendar's copy of an event. The fields every attendee sees live
in `core`, a dict shared by the organiser's record and the attendees' copies and replaced
(never mutated) on every change; what is the copy's own (private extended properties,
etag, `updated`, whether the attendee was removed or deleted it) lives on the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tandem.emulators.google.recurrence import Series
from tandem.emulators.google.times import When, when_from_stored

Core = dict[str, Any]


@dataclass(eq=False)
class EventRecord:
    event_id: str
    core: Core
    etag: str
    created: datetime
    updated: datetime
    order: int
    private: dict[str, str] = field(default_factory=dict)
    seq: int = 0
    removed: bool = False
    dismissed: bool = False
    own_response: str | None = None

    @property
    def organizer(self) -> str:
        return str(self.core["organizer"]["email"]).lower()

    @property
    def cancelled(self) -> bool:
        return self.removed or self.dismissed or self.core.get("status") == "cancelled"

    @property
    def master_id(self) -> str | None:
        value = self.core.get("recurringEventId")
        return str(value) if value else None

    @property
    def recurring(self) -> bool:
        return bool(self.core.get("recurrence"))

    def start(self) -> When:
        return when_from_stored(self.core["start"])

    def end(self) -> When:
        return when_from_stored(self.core["end"])

    def original_start(self) -> When | None:
        stored = self.core.get("originalStartTime")
        return when_from_stored(stored) if stored else None

    def series(self) -> Series:
        return series_of(self.core)


def series_of(core: Core) -> Series:
    """The expansion inputs of a master's core (rules, first start, duration)."""
    start = when_from_stored(core["start"])
    duration = when_from_stored(core["end"]).utc("UTC") - start.utc("UTC")
    return Series(tuple(core.get("recurrence") or ()), start, max(duration, timedelta(0)))


class Calendar:
    """One user's primary calendar."""

    def __init__(self, owner: str, time_zone: str, now: datetime) -> None:
        self.owner = owner
        self.time_zone = time_zone
        self.events: dict[str, EventRecord] = {}
        self.creation: list[str] = []
        self.changes: dict[str, None] = {}
        self.exceptions: dict[str, set[str]] = {}
        self.seq = 0
        self.epoch = 0
        self.updated = now

    def add(self, record: EventRecord) -> None:
        self.events[record.event_id] = record
        self.creation.append(record.event_id)
        if record.master_id:
            self.exceptions.setdefault(record.master_id, set()).add(record.event_id)

    def next_order(self) -> int:
        return len(self.creation)

    def touch(self, record: EventRecord, *, now: datetime, etag: str) -> None:
        """Record a change of `record`: new etag and `updated`, next change sequence number."""
        self.seq += 1
        record.seq = self.seq
        record.etag = etag
        record.updated = now
        self.updated = now
        self.changes.pop(record.event_id, None)
        self.changes[record.event_id] = None

    def changed_between(self, after_seq: int, upto_seq: int) -> list[EventRecord]:
        """Records whose last change is in (after_seq, upto_seq], oldest change first."""
        found: list[EventRecord] = []
        for event_id in reversed(self.changes):
            record = self.events[event_id]
            if record.seq <= after_seq:
                break
            if record.seq <= upto_seq:
                found.append(record)
        found.reverse()
        return found

    def exceptions_of(self, master_id: str) -> list[EventRecord]:
        return [self.events[i] for i in sorted(self.exceptions.get(master_id, ()))]
