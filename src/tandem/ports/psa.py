"""The PSA side of the calendar sync: the hub in-process, later Severa over REST.

Synchronous: the hub is a local database; the runtime calls it from a worker thread.
Writes are tagged as coming from the sync, so the change log never echoes them back as
if a person had made them, and they raise only `tandem.domain.errors`:

    create_activity   AlreadyExists (the guid is taken: read it and plan again),
                      InvalidRequest (the PSA cannot represent it: quarantine, CAL-17)
    update_activity   PreconditionFailed (the version moved: read it and plan again),
                      NotFound, InvalidRequest
    restore_activity  like update; with expected_version None it creates under the guid
    delete_activity   PreconditionFailed; one already deleted is success
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tandem.domain.activity import Activity, ActivityCategory, ChangeOperation


@dataclass(frozen=True, slots=True)
class HubChange:
    """One row of the hub's change log as a user's sync sees it."""

    seq: int
    activity_guid: str
    operation: ChangeOperation
    origin: str
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PsaUser:
    guid: str
    email: str | None
    time_zone: str
    is_active: bool
    calendar_sync: bool
    """The user's own switch (CAL-7)."""


@dataclass(frozen=True, slots=True)
class SyncSetup:
    """What the organisation has set up for calendar sync, read once per run."""

    addon_enabled: bool
    synced_type_guids: frozenset[str]
    default_type_guid: str | None
    personal_type_guid: str | None
    type_categories: Mapping[str, ActivityCategory]
    users: tuple[PsaUser, ...] = field(default=())
    absence_type_guid: str | None = None
    """The organisation's type of category Absences, if it has one (BEY-10: out-of-office)."""


class PsaPort(Protocol):
    """The PSA side of the calendar sync."""

    def setup(self) -> SyncSetup: ...

    def changes_for_user(self, user_guid: str, after_seq: int, limit: int = 1000) -> Sequence[HubChange]:
        """Changes touching the user's calendar after `after_seq`, oldest first."""
        ...

    def latest_seq(self) -> int: ...

    def touched_after(self, after_seq: int, limit: int = 1000) -> Sequence[tuple[int, str]]:
        """(seq, user guid) for every user each change after `after_seq` touches, in seq
        order: how the runtime learns whose calendar to push to (CAL-8)."""
        ...

    def oldest_seq(self) -> int:
        """The oldest change still kept (0 if none): a cursor below it missed changes."""
        ...

    def get_activities(self, guids: Collection[str]) -> Mapping[str, Activity]:
        """These activities, tombstones included (`deleted=True`); missing guids are absent."""
        ...

    def activities_of_user(self, user_guid: str) -> Sequence[Activity]:
        """Every live activity the user owns or takes part in (a full or initial sync)."""
        ...

    def create_activity(self, activity: Activity) -> Activity: ...

    def update_activity(self, activity: Activity, expected_version: int) -> Activity: ...

    def restore_activity(self, activity: Activity, expected_version: int | None) -> Activity: ...

    def delete_activity(self, guid: str, expected_version: int) -> None: ...
