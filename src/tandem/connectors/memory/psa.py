"""`PsaPort` over dictionaries, keeping the rules of the hub (`tandem.hub.adapters.activities.HubPsa`
over the hub services).

- Every change bumps the activity's version; a write with a stale `expected_version` is
  `PreconditionFailed`, a write that changes nothing is no change (no version, no log).
- A guid stays taken after a delete: the activity is kept as a tombstone (`deleted=True`)
  and `get_activities` returns it; creating it again is `AlreadyExists`.
- Every change is appended to a change log with its seq, origin and the users it touches:
  the owner and the user participants, before AND after the change (a user removed from an
  activity must learn that it left their calendar).
- Instants are kept in UTC and names stripped, as the hub stores them.

Writes through the port are origin "sync"; the `user_*` methods are a person working in
the PSA (origin "web"), for tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from tandem.domain import errors
from tandem.domain.activity import Activity, ChangeOperation, Moment, Origin, Participant, ParticipantKind
from tandem.ports.psa import HubChange, SyncSetup


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Change:
    seq: int
    activity_guid: str
    operation: ChangeOperation
    origin: Origin
    changed_fields: tuple[str, ...]
    users: frozenset[str]


_COMPARED = (
    "name",
    "start",
    "end",
    "time_zone",
    "type_guid",
    "category",
    "owner_guid",
    "location",
    "notes",
    "is_closed",
    "customer_guid",
    "project_guid",
    "phase_guid",
    "recurrence",
    "recurrence_parent_guid",
    "original_start",
    "participants",
    "extra",
)
"""The fields whose change is a change of the activity (the hub's `fingerprint`)."""


class MemoryPsa:
    """The PSA side of the calendar sync for one organisation, in memory."""

    def __init__(self, setup: SyncSetup, clock: Callable[[], datetime] = _utc_now) -> None:
        self._setup = setup
        self.clock = clock
        self._activities: dict[str, Activity] = {}
        self._log: list[_Change] = []
        self._forgotten = 0

    # ------------------------------------------------------------------ reads

    def setup(self) -> SyncSetup:
        return self._setup

    def changes_for_user(self, user_guid: str, after_seq: int, limit: int = 1000) -> Sequence[HubChange]:
        mine = (c for c in self._log if c.seq > after_seq and user_guid in c.users)
        found = [HubChange(c.seq, c.activity_guid, c.operation, c.origin.value, c.changed_fields) for c in mine]
        return found[:limit]

    def latest_seq(self) -> int:
        return self._log[-1].seq if self._log else self._forgotten

    def touched_after(self, after_seq: int, limit: int = 1000) -> Sequence[tuple[int, str]]:
        rows = [(c.seq, user) for c in self._log if c.seq > after_seq for user in sorted(c.users)]
        return rows[:limit]

    def oldest_seq(self) -> int:
        return self._log[0].seq if self._log else 0

    def get_activities(self, guids: Collection[str]) -> Mapping[str, Activity]:
        return {guid: self._activities[guid] for guid in set(guids) if guid in self._activities}

    def activities_of_user(self, user_guid: str) -> Sequence[Activity]:
        return [a for a in self._activities.values() if not a.deleted and user_guid in _users_of(a)]

    # ------------------------------------------------------------------ the sync's writes

    def create_activity(self, activity: Activity) -> Activity:
        if activity.guid in self._activities:
            raise errors.AlreadyExists(f"activity {activity.guid} already exists")
        return self._create(activity, Origin.SYNC)

    def update_activity(self, activity: Activity, expected_version: int) -> Activity:
        current = self._current(activity.guid)
        if current.deleted:
            raise errors.PreconditionFailed(f"activity {activity.guid} was deleted meanwhile")
        self._check_version(current, expected_version)
        return self._update(current, activity, Origin.SYNC)

    def restore_activity(self, activity: Activity, expected_version: int | None) -> Activity:
        current = self._activities.get(activity.guid)
        if current is None:
            return self._create(activity, Origin.SYNC)
        if expected_version is not None:
            self._check_version(current, expected_version)
        return self._update(current, activity, Origin.SYNC)

    def delete_activity(self, guid: str, expected_version: int) -> None:
        current = self._activities.get(guid)
        if current is None or current.deleted:
            return
        self._check_version(current, expected_version)
        self._delete(current, Origin.SYNC)

    # ------------------------------------------------------------------ a person in the PSA

    def user_create(self, activity: Activity) -> Activity:
        if activity.guid in self._activities:
            raise errors.AlreadyExists(f"activity {activity.guid} already exists")
        return self._create(activity, Origin.WEB)

    def user_edit(self, guid: str, **changes: Any) -> Activity:
        current = self._current(guid)
        return self._update(current, replace(current, **changes), Origin.WEB)

    def user_delete(self, guid: str) -> None:
        current = self._current(guid)
        if not current.deleted:
            self._delete(current, Origin.WEB)

    def live(self) -> list[Activity]:
        """Every activity that is not deleted, in the order they were created."""
        return [a for a in self._activities.values() if not a.deleted]

    def forget_changes_through(self, seq: int) -> None:
        """Drop the change log up to `seq`, as the hub's retention does."""
        self._forgotten = max(self._forgotten, seq)
        self._log = [c for c in self._log if c.seq > seq]

    # ------------------------------------------------------------------ the one way to change

    def _current(self, guid: str) -> Activity:
        current = self._activities.get(guid)
        if current is None:
            raise errors.NotFound(f"the PSA has no activity {guid}")
        return current

    @staticmethod
    def _check_version(current: Activity, expected_version: int) -> None:
        if current.version != expected_version:
            raise errors.PreconditionFailed(
                f"activity {current.guid} is at version {current.version}, not {expected_version}"
            )

    def _create(self, activity: Activity, origin: Origin) -> Activity:
        stored = replace(_stored(activity, ()), version=1, updated_at=self.clock(), deleted=False)
        self._activities[stored.guid] = stored
        self._record(stored, ChangeOperation.CREATE, origin, _users_of(stored), ())
        return stored

    def _update(self, current: Activity, wanted: Activity, origin: Origin) -> Activity:
        candidate = _stored(wanted, current.participants)
        changed = [name for name in _COMPARED if getattr(candidate, name) != getattr(current, name)]
        if current.deleted:
            changed.append("deleted")
        if not changed:
            return current
        stored = replace(candidate, version=current.version + 1, updated_at=self.clock(), deleted=False)
        self._activities[stored.guid] = stored
        operation = ChangeOperation.CREATE if current.deleted else ChangeOperation.UPDATE
        self._record(stored, operation, origin, _users_of(current) | _users_of(stored), tuple(changed))
        return stored

    def _delete(self, current: Activity, origin: Origin) -> None:
        stored = replace(current, deleted=True, version=current.version + 1, updated_at=self.clock())
        self._activities[stored.guid] = stored
        self._record(stored, ChangeOperation.DELETE, origin, _users_of(stored), ())

    def _record(
        self,
        activity: Activity,
        operation: ChangeOperation,
        origin: Origin,
        users: frozenset[str],
        changed: tuple[str, ...],
    ) -> None:
        seq = self.latest_seq() + 1
        self._log.append(_Change(seq, activity.guid, operation, origin, tuple(sorted(changed)), users))


def _users_of(activity: Activity) -> frozenset[str]:
    """Users whose calendar shows the activity: its owner and its user participants."""
    users = {activity.owner_guid}
    users.update(p.ref_guid for p in activity.participants if p.kind is ParticipantKind.USER and p.ref_guid)
    return frozenset(users)


def _utc(moment: Moment | None) -> Any:
    return moment.astimezone(UTC) if isinstance(moment, datetime) else moment


def _stored(activity: Activity, known: tuple[Participant, ...]) -> Activity:
    """The activity as the hub keeps it: UTC instants, a stripped name, no empty location,
    and every participant with a row guid (a participant that stays keeps its guid)."""
    recurrence = activity.recurrence
    if recurrence is not None:
        recurrence = replace(recurrence, exdates=tuple(_utc(d) for d in recurrence.exdates))
    return replace(
        activity,
        name=activity.name.strip(),
        start=_utc(activity.start),
        end=_utc(activity.end),
        original_start=_utc(activity.original_start),
        location=activity.location or None,
        recurrence=recurrence,
        participants=tuple(_with_guid(p, known) for p in activity.participants),
        extra=dict(activity.extra),
    )


def _participant_key(p: Participant) -> tuple[str, str]:
    return (p.kind.value, p.ref_guid or (p.email or "").lower())


def _with_guid(participant: Participant, known: tuple[Participant, ...]) -> Participant:
    if participant.guid is not None:
        return participant
    same = next((k for k in known if _participant_key(k) == _participant_key(participant)), None)
    return replace(participant, guid=same.guid if same is not None else str(uuid.uuid4()))
