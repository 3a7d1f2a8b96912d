"""The sync state store: links, base snapshots, conflicts, quarantine, cursors, run records.

A local database (SQLAlchemy on SQLite or PostgreSQL), so the Protocol is synchronous.
The one rule that makes a crash harmless: an item's link and base snapshot change
together, in one transaction (`save_item` / `remove_item`), and only after the item's
writes to both sides succeeded; before those writes, `save_intent` records what they aim
at (see `tandem.domain.syncstate.Intent`). Everything else is an upsert keyed by its
natural key, so doing it twice is doing it once. Persist `BaseSnapshot.fields` and the
intent's fields with `SyncedFields.to_json()` / `from_json()`.

Keys: a link is unique per (user_guid, calendar_id, activity_guid) and per (user_guid,
calendar_id, event_id). A conflict by its `id`. A quarantined item by (user_guid,
calendar_id, activity_guid, event_id). A cursor by (user_guid, calendar_id).

`ScheduleStore` keeps the schedule the runtime dispatches from: one `UserSchedule` per user.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from tandem.domain.schedule import UserSchedule
from tandem.domain.syncstate import (
    BaseSnapshot,
    Conflict,
    Cursor,
    Intent,
    ItemRecord,
    Link,
    LinkedItem,
    QuarantinedItem,
    RunRecord,
)


class SyncStateStore(Protocol):
    # ------------------------------------------------------------------ links + base

    def links_by_activity(
        self, user_guid: str, calendar_id: str, activity_guids: Collection[str]
    ) -> Mapping[str, LinkedItem]:
        """The linked items of these activities, keyed by activity guid (missing: unlinked)."""
        ...

    def links_by_event(self, user_guid: str, calendar_id: str, event_ids: Collection[str]) -> Mapping[str, LinkedItem]:
        """The linked items of these events, keyed by event id (missing: unlinked)."""
        ...

    def all_links(self, user_guid: str, calendar_id: str) -> Sequence[LinkedItem]:
        """Every linked item of the user (a full resync re-links against these)."""
        ...

    def count_links(self, user_guid: str, calendar_id: str) -> int:
        """How many items the user has linked: the denominator of the deletion breaker."""
        ...

    def stand_ins(self, user_guid: str, calendar_id: str) -> Sequence[LinkedItem]:
        """The user's stand-in copies of colleagues' activities (links whose event id is a
        stand-in id, `sync.ids.is_stand_in`), occurrences included (CAL-14)."""
        ...

    def holders(self, activity_guids: Collection[str]) -> Mapping[str, frozenset[tuple[str, str]]]:
        """For each of these activities that any user's own calendar holds (a link whose
        event the user organises: no `organiser_email`), those users and the event ids, as
        (user guid, event id); activities nobody holds are missing. Across users: what tells
        an owner's sync that a colleague holds a stand-in copy, and a participant's sync that
        the owner's calendar holds the activity (CAL-14)."""
        ...

    def hosting_users(self, user_guids: Collection[str]) -> frozenset[str]:
        """Those of these users whose calendars hold their own activities: their first sync
        completed, or no sync of theirs has run yet (presumed able, so that a new
        organisation's meetings are not first copied and then taken back). A user whose
        runs fail before a first sync completes (no calendar account) is not one (CAL-14)."""
        ...

    def save_intent(self, link: Link, intent: Intent) -> None:
        """Before an item's writes: upsert the link with this intent, keeping its base (a
        new link gets no base). One transaction."""
        ...

    def save_item(self, link: Link, base: BaseSnapshot) -> None:
        """The commit: upsert the link and its base and clear its intent and quarantine, in
        ONE transaction.

        A link with the same activity or the same event (for this user and calendar) is
        replaced: an item is linked to exactly one counterpart."""
        ...

    def remove_item(self, link: Link) -> None:
        """Delete the link and its base in one transaction, and clear the item's
        quarantine; removing what is not there is not an error."""
        ...

    def record_items(
        self, records: Sequence[ItemRecord], run: RunRecord | None = None, advance: Cursor | None = None
    ) -> None:
        """Many items' records, in order, each as `save_intent` / `save_item` / `remove_item`
        does it, then, when given, the run's record and the cursor it advanced to: ALL in ONE
        transaction (all or nothing, so each item's record is still whole). A run's intents
        go in one batch, its commits in a few, the last with the run (`runtime.records`)."""
        ...

    # ------------------------------------------------------------------ for the admin

    def record_conflict(self, conflict: Conflict) -> None:
        """Upsert by `conflict.id` (the same conflict seen again after a crash is one record)."""
        ...

    def conflicts(self, user_guid: str, limit: int = 100) -> Sequence[Conflict]:
        """The user's conflicts, newest first."""
        ...

    def quarantine(self, item: QuarantinedItem) -> None:
        """Upsert; when the item is already quarantined, `attempts` grows by one and
        `reason`/`retry_at` are replaced."""
        ...

    def quarantined(self, user_guid: str, calendar_id: str) -> Sequence[QuarantinedItem]: ...

    def due_for_retry(self, user_guid: str, calendar_id: str, now: datetime) -> Sequence[QuarantinedItem]:
        """Quarantined items whose `retry_at` has come (CAL-17: retried when it can succeed)."""
        ...

    def retry_now(
        self, user_guid: str, calendar_id: str, activity_guid: str | None, event_id: str | None, now: datetime
    ) -> bool:
        """The quarantined item due at `now` (the admin's Retry, CAL-17); its attempts and
        reason stay. False when no such item is set aside (any more)."""
        ...

    # ------------------------------------------------------------------ progress

    def cursor(self, user_guid: str, calendar_id: str) -> Cursor | None:
        """None before the user's first sync: that run is the initial one (CAL-10)."""
        ...

    def save_cursor(self, cursor: Cursor) -> None: ...

    def lowest_hub_seq(self, user_guids: Collection[str]) -> int | None:
        """The lowest change-log position these users' cursors reached (None: none has a
        cursor yet): where a starting runtime looks for changes no run has taken yet."""
        ...

    def record_run(self, run: RunRecord, advance: Cursor | None = None) -> None:
        """The run's record and, when given, the cursor the run advanced to, in one unit of
        work: a cursor never moves without the run that moved it being recorded."""
        ...

    def last_runs(self, user_guid: str, limit: int = 20) -> Sequence[RunRecord]: ...

    def runs_since(self, since: datetime, limit: int = 10_000) -> Sequence[RunRecord]:
        """Every user's runs that started at or after `since`, newest first (the admin's
        sync activity, BEY-4)."""
        ...


class ScheduleStore(Protocol):
    """The calendar sync's schedule: one row per user that can sync (`UserSchedule`).

    Kept outside the process (the database), so a restarted process carries on."""

    def ensure(self, user_guids: Collection[str], now: datetime) -> None:
        """A row for every user given (due now); rows of users not given are removed."""
        ...

    def due(self, now: datetime, limit: int = 1000) -> list[str]:
        """Users whose run is due: next due, no back-off, not paused (or the pause ended)."""
        ...

    def retry_all_now(self, now: datetime) -> None:
        """Every user due now, back-off forgotten; pauses that wait for someone stay."""
        ...

    def get(self, user_guid: str) -> UserSchedule | None: ...

    def all(self) -> Sequence[UserSchedule]: ...

    def save(self, schedule: UserSchedule) -> None: ...

    def update(self, user_guid: str, change: Callable[[UserSchedule | None], UserSchedule]) -> UserSchedule:
        """Read the user's row, write `change(row)`, in one unit of work (a finished run
        records its outcome on the row as it is then, not as it was when the run began)."""
        ...
