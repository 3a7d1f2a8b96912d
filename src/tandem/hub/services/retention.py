"""Forgetting what is old enough: tombstones of deleted activities and change-log rows.

A deleted activity stays as a tombstone until every calendar it touched has had the
chance to learn of the deletion; the retention (default 90 days) is far longer than
any sync cycle. A user whose sync cursor is older than the retention starts over with
a full sync (which re-links by id and never duplicates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.hub.models import Activity, ActivityParticipant, ChangeLog, ChangeLogUser


@dataclass(frozen=True, slots=True)
class Purged:
    activities: int
    changes: int

    def __bool__(self) -> bool:
        """Anything was forgotten (the hourly purge logs only then)."""
        return bool(self.activities or self.changes)


def purge(session: Session, now: datetime, retention_days: int) -> Purged:
    cutoff = now - timedelta(days=retention_days)
    old = sa.select(Activity.id).where(Activity.is_deleted.is_(True), Activity.deleted_at < cutoff)
    ids = list(session.scalars(old))
    # Core statements, not the ORM: purging a tombstone is not a change of an activity.
    session.execute(sa.update(Activity).where(Activity.recurrence_parent_id.in_(ids)).values(recurrence_parent_id=None))
    session.execute(sa.delete(ActivityParticipant).where(ActivityParticipant.activity_id.in_(ids)))
    session.execute(sa.delete(Activity).where(Activity.id.in_(ids)))
    stale = list(session.scalars(sa.select(ChangeLog.seq).where(ChangeLog.created_at < cutoff)))
    session.execute(sa.delete(ChangeLogUser).where(ChangeLogUser.seq.in_(stale)))
    session.execute(sa.delete(ChangeLog).where(ChangeLog.seq.in_(stale)))
    return Purged(activities=len(ids), changes=len(stale))


def oldest_change(session: Session) -> int:
    """The smallest seq still in the log (0 when empty): a cursor below it has lost changes."""
    return int(session.scalar(sa.select(sa.func.coalesce(sa.func.min(ChangeLog.seq), 0))) or 0)
