"""The plan's vocabulary: frozen actions the runtime executes, in order, per item.

Every action is idempotent or guarded, so re-running a half-executed plan is safe:

    CreateEvent      insert under the deterministic id. AlreadyExists (409): get the event
                     and plan the item again (it will pair, or restore a cancelled one).
    UpdateEvent      patch the named fields with If-Match. PreconditionFailed (412): get
                     the event and plan again. An occurrence of a series is "created" by
                     updating its instance id, with `if_match` None.
    RestoreEvent     update a cancelled event back to confirmed (its id stays taken).
    DeleteEvent      with If-Match; NotFound/Gone (404/410) means done.
    CreateActivity   create under the deterministic guid, tagged origin=sync. AlreadyExists:
                     get the activity and plan again.
    UpdateActivity   the given activity (only synced fields differ from the hub's), applied
                     only if the hub's version still equals `expected_version`; else plan again.
    RestoreActivity  undelete the tombstone (or create it if purged) with those fields.
    DeleteActivity   delete if the version still matches; already deleted means done.
    RecordConflict   upsert by the conflict's deterministic id.
    SaveIntent       before an item's writes: record what they aim at (see `Intent`); every
                     write of the item then carries the intent's mark (`WRITE_MARK`).
    Warn             a notice for the admin (CAL-6: private entries got the default type).
    Skip             nothing to do, and why (for the run record and dry runs).
    Quarantine       set the item aside with a reason and a retry time (CAL-17); nothing
                     else of that item runs this time.
    SaveBase         commit: link + base snapshot in one transaction (and clear quarantine).
    Unlink           commit: drop link + base in one transaction (and clear quarantine).

The last action of an item that settles it is always SaveBase or Unlink. Until it commits
the item's old base (and its intent) stays, and the next plan, from the same base, the
intent and whatever was written, arrives at the same agreed version: no duplicate, and
no lost edit, even one that put back a value our half-finished write had replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tandem.domain.activity import Activity
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.syncstate import Conflict, QuarantinedItem, RemovedItem, SavedIntent, SavedItem


@dataclass(frozen=True, slots=True)
class CreateEvent:
    calendar_id: str
    event: CalendarEvent
    send_updates: SendUpdates


@dataclass(frozen=True, slots=True)
class UpdateEvent:
    calendar_id: str
    event: CalendarEvent
    if_match: str | None
    send_updates: SendUpdates
    fields: frozenset[str]
    """The synced field groups to write (a patch); the rest of the event is left as it is."""


@dataclass(frozen=True, slots=True)
class RestoreEvent:
    calendar_id: str
    event: CalendarEvent
    if_match: str | None
    send_updates: SendUpdates


@dataclass(frozen=True, slots=True)
class DeleteEvent:
    calendar_id: str
    event_id: str
    if_match: str | None
    send_updates: SendUpdates


@dataclass(frozen=True, slots=True)
class CreateActivity:
    activity: Activity


@dataclass(frozen=True, slots=True)
class UpdateActivity:
    activity: Activity
    expected_version: int
    fields: frozenset[str]


@dataclass(frozen=True, slots=True)
class RestoreActivity:
    activity: Activity
    expected_version: int | None
    """None: the hub has no trace of it; create it under its guid."""


@dataclass(frozen=True, slots=True)
class DeleteActivity:
    activity_guid: str
    expected_version: int


@dataclass(frozen=True, slots=True)
class RecordConflict:
    conflict: Conflict


@dataclass(frozen=True, slots=True)
class SaveIntent(SavedIntent):
    """Upsert the link with this intent (its base, if any, stays) before the item's writes:
    the record the store keeps (`SavedIntent`)."""


@dataclass(frozen=True, slots=True)
class Warn:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Skip:
    reason: str


@dataclass(frozen=True, slots=True)
class Quarantine:
    item: QuarantinedItem


@dataclass(frozen=True, slots=True)
class SaveBase(SavedItem):
    """Commit link + base (the record `SavedItem`). `base.event_etag` / `activity_version`
    are what the planner knew; after this item's writes the runtime replaces them with the
    written ones (`settled`)."""

    def settled(self, event: CalendarEvent | None = None, activity: Activity | None = None) -> SaveBase:
        """This commit with the etag/version returned by the item's own writes, if any."""
        base = self.base
        if event is not None:
            base = replace(base, event_etag=event.etag)
        if activity is not None:
            base = replace(base, activity_version=activity.version)
        return replace(self, base=base)


@dataclass(frozen=True, slots=True)
class Unlink(RemovedItem):
    """Commit: drop link + base (the record `RemovedItem`)."""


CalendarWrite = CreateEvent | UpdateEvent | RestoreEvent | DeleteEvent
PsaWrite = CreateActivity | UpdateActivity | RestoreActivity | DeleteActivity
Commit = SaveBase | Unlink
Action = CalendarWrite | PsaWrite | RecordConflict | SaveIntent | Warn | Skip | Quarantine | Commit

EFFECTS = (
    CreateEvent,
    UpdateEvent,
    RestoreEvent,
    DeleteEvent,
    CreateActivity,
    UpdateActivity,
    RestoreActivity,
    DeleteActivity,
    RecordConflict,
    SaveIntent,
    SaveBase,
    Unlink,
)
"""Actions that change something; a plan without them is empty (nothing to sync)."""

DELETIONS = (DeleteEvent, DeleteActivity)
