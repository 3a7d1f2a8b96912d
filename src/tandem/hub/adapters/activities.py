"""The hub as the sync's PSA side (`tandem.ports.psa.PsaPort`), in-process.

Translates between the hub's rows and `tandem.domain.activity.Activity`, and between the
hub services' refusals and `tandem.domain.errors` (at one place: `hub.adapters.errors.translated`),
for reads (`_read`) and writes alike: a lost database connection is `Unavailable`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain import errors
from tandem.domain.activity import (
    Activity,
    ActivityCategory,
    ChangeOperation,
    Origin,
)
from tandem.hub.adapters import activity_reads
from tandem.hub.adapters.errors import translated
from tandem.hub.models import Activity as ActivityRow
from tandem.hub.models import ActivityParticipant, ActivityType, ChangeLogUser, User
from tandem.hub.services import activities, changelog, counters, lookup, retention
from tandem.hub.services.activities import ActivityDraft, Actor, ParticipantDraft
from tandem.ports.psa import HubChange, PsaUser, SyncSetup
from tandem.store.db import Database

SYNC = Actor(Origin.SYNC, "sync")


def to_domain(session: Session, row: ActivityRow) -> Activity:
    """The activity as the sync sees it, read back as `activity_reads` reads every activity
    (one mapping for both)."""
    session.flush()
    return activity_reads.by_guid(session, [row.guid])[0]


def to_draft(activity: Activity) -> ActivityDraft:
    recurrence = activity.recurrence
    return ActivityDraft(
        name=activity.name,
        type_guid=activity.type_guid,
        owner_guid=activity.owner_guid,
        start=activity.start,
        end=activity.end,
        is_all_day=activity.is_all_day,
        time_zone=activity.time_zone,
        location=activity.location,
        notes=activity.notes,
        is_closed=activity.is_closed,
        customer_guid=activity.customer_guid,
        phase_guid=activity.phase_guid,
        project_guid=activity.project_guid if activity.phase_guid is None else None,
        rrule=recurrence.rrule if recurrence else None,
        exdates=recurrence.exdates if recurrence else (),
        recurrence_parent_guid=activity.recurrence_parent_guid,
        original_start=activity.original_start,
        participants=tuple(
            ParticipantDraft(kind=p.kind.value, ref_guid=p.ref_guid, email=p.email, name=p.name, status=p.status.value)
            for p in activity.participants
        ),
        guid=activity.guid,
        extra=dict(activity.extra),
    )


class HubPsa:
    """`PsaPort` over the hub's database and services.

    `setup()` is read for every user's run; with thousands of users, reading every user and
    type each time would make one sweep quadratic, so it is kept for `setup_ttl_s` (a change
    of the organisation's settings reaches the sync within that time)."""

    def __init__(self, db: Database, setup_ttl_s: float = 0.0) -> None:
        self.db = db
        self.setup_ttl_s = setup_ttl_s
        self._setup: tuple[float, SyncSetup] | None = None
        self._setup_lock = threading.Lock()

    def setup(self) -> SyncSetup:
        now = time.monotonic()
        with self._setup_lock:
            if self._setup is not None and now - self._setup[0] < self.setup_ttl_s:
                return self._setup[1]
        fresh = self._read_setup()
        with self._setup_lock:
            self._setup = (now, fresh)
        return fresh

    @contextmanager
    def _read(self, what: str) -> Iterator[Session]:
        with translated(what), self.db.read() as session:
            yield session

    def _read_setup(self) -> SyncSetup:
        with self._read("the organisation's settings") as session:
            active = sa.select(ActivityType).where(ActivityType.is_active.is_(True)).order_by(ActivityType.id)
            types = session.scalars(active).all()
            users = session.scalars(sa.select(User)).all()
            default = next((t for t in types if t.is_default), None)
            personal = next((t for t in types if t.category == ActivityCategory.PERSONAL.value), None)
            absence = next((t for t in types if t.category == ActivityCategory.ABSENCES.value), None)
            return SyncSetup(
                addon_enabled=counters.settings(session).calendar_addon_enabled,
                synced_type_guids=frozenset(t.guid for t in types if t.calendar_sync),
                default_type_guid=default.guid if default else None,
                personal_type_guid=personal.guid if personal else None,
                absence_type_guid=absence.guid if absence else None,
                type_categories={t.guid: ActivityCategory(t.category) for t in types},
                users=tuple(PsaUser(u.guid, u.email, u.time_zone, u.is_active, u.calendar_sync_enabled) for u in users),
            )

    def changes_for_user(self, user_guid: str, after_seq: int, limit: int = 1000) -> Sequence[HubChange]:
        user_id = sa.select(User.id).where(User.guid == user_guid).scalar_subquery()
        with self._read(f"changes of user {user_guid}") as session:
            return [
                HubChange(c.seq, c.activity_guid, ChangeOperation(c.operation), c.origin, c.changed_fields)
                for c in changelog.changes_for_user(session, user_id, after_seq, limit)
            ]

    def latest_seq(self) -> int:
        with self._read("the change log") as session:
            return changelog.latest_seq(session)

    def touched_after(self, after_seq: int, limit: int = 1000) -> Sequence[tuple[int, str]]:
        with self._read("the change log") as session:
            rows = session.execute(
                sa.select(ChangeLogUser.seq, User.guid)
                .join(User, User.id == ChangeLogUser.user_id)
                .where(ChangeLogUser.seq > after_seq)
                .order_by(ChangeLogUser.seq)
                .limit(limit)
            )
            return [(int(seq), str(guid)) for seq, guid in rows]

    def oldest_seq(self) -> int:
        with self._read("the change log") as session:
            return retention.oldest_change(session)

    def get_activities(self, guids: Collection[str]) -> Mapping[str, Activity]:
        wanted = list(guids)
        out: dict[str, Activity] = {}
        with self._read(f"{len(wanted)} activities") as session:
            out.update((a.guid, a) for a in activity_reads.by_guid(session, wanted))
        return out

    def activities_of_user(self, user_guid: str) -> Sequence[Activity]:
        with self._read(f"activities of user {user_guid}") as session:
            user = lookup.find(session, User, user_guid)
            if user is None:
                return []
            member = sa.select(ActivityParticipant.activity_id).where(ActivityParticipant.user_id == user.id)
            return activity_reads.where(
                session,
                sa.and_(
                    ActivityRow.is_deleted.is_(False),
                    sa.or_(ActivityRow.owner_user_id == user.id, ActivityRow.id.in_(member)),
                ),
            )

    def _row(self, session: Session, guid: str) -> ActivityRow:
        row = lookup.find(session, ActivityRow, guid)
        if row is None:
            raise errors.NotFound(f"activity {guid} is not in the PSA")
        return row

    def create_activity(self, activity: Activity) -> Activity:
        with translated(f"activity {activity.guid}"), self.db.write() as session:
            if lookup.find(session, ActivityRow, activity.guid) is not None:
                raise errors.AlreadyExists(f"activity {activity.guid} already exists")
            return to_domain(session, activities.create(session, to_draft(activity), SYNC))

    def update_activity(self, activity: Activity, expected_version: int) -> Activity:
        with translated(f"activity {activity.guid}"), self.db.write() as session:
            row = self._row(session, activity.guid)
            if row.is_deleted:
                raise errors.PreconditionFailed(f"activity {activity.guid} was deleted meanwhile")
            return to_domain(session, activities.update(session, row, to_draft(activity), SYNC, expected_version))

    def restore_activity(self, activity: Activity, expected_version: int | None) -> Activity:
        with translated(f"activity {activity.guid}"), self.db.write() as session:
            row = lookup.find(session, ActivityRow, activity.guid)
            if row is None:
                return to_domain(session, activities.create(session, to_draft(activity), SYNC))
            return to_domain(session, activities.update(session, row, to_draft(activity), SYNC, expected_version))

    def delete_activity(self, guid: str, expected_version: int) -> None:
        with translated(f"activity {guid}"), self.db.write() as session:
            row = lookup.find(session, ActivityRow, guid)
            if row is None or row.is_deleted:
                return
            activities.delete(session, row, SYNC, expected_version)
