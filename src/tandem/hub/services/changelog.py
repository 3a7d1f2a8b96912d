"""The change log (outbox) of activities, written in the same transaction as the change.

Every create, update and delete of an activity or its participants goes through
`record`; a guard at commit refuses a transaction that changed an activity without
recording it, so no write path can bypass the log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from tandem.domain.activity import ChangeOperation, Origin
from tandem.hub.models import Activity, ActivityParticipant, ChangeLog, ChangeLogUser, User
from tandem.hub.services import counters

_CHANGED = "tandem_changed_activities"
_LOGGED = "tandem_logged_activities"


def touched_users(activity: Activity) -> set[int]:
    """Users whose calendar shows this activity: the owner and every user participant."""
    users = {activity.owner_user_id}
    users.update(p.user_id for p in activity.participants if p.user_id is not None)
    return users


def record(
    session: Session,
    activity: Activity,
    operation: ChangeOperation,
    origin: Origin,
    users: Iterable[int],
    changed_fields: Sequence[str] = (),
) -> int:
    """Append one change; `users` are everyone touched before and after. Returns its seq."""
    session.flush()
    seq = counters.take(session, "change_log")
    session.add(
        ChangeLog(
            seq=seq,
            activity_guid=activity.guid,
            operation=operation.value,
            origin=origin.value,
            changed_fields=json.dumps(sorted(changed_fields)),
        )
    )
    session.flush()
    session.execute(
        sa.insert(ChangeLogUser),
        [{"user_id": user_id, "seq": seq} for user_id in sorted(set(users))],
    )
    session.info.setdefault(_LOGGED, set()).add(activity.id)
    return seq


@dataclass(frozen=True, slots=True)
class ChangeRow:
    seq: int
    activity_guid: str
    operation: str
    origin: str
    changed_fields: tuple[str, ...]
    created_at: datetime


def changes_for_user(
    session: Session, user_id: int | sa.ScalarSelect[int], after_seq: int, limit: int = 1000
) -> list[ChangeRow]:
    """Changes touching one user after `after_seq`, oldest first: a range scan of the
    (user_id, seq) primary key of change_log_users. `user_id` may be a subquery (the id of a
    guid), sparing a round trip when the caller knows only the guid."""
    rows = session.execute(
        sa.select(ChangeLog)
        .join(ChangeLogUser, ChangeLogUser.seq == ChangeLog.seq)
        .where(ChangeLogUser.user_id == user_id, ChangeLogUser.seq > after_seq)
        .order_by(ChangeLogUser.seq)
        .limit(limit)
    ).scalars()
    return [_row(r) for r in rows]


def changes_after(session: Session, after_seq: int, limit: int = 1000) -> list[ChangeRow]:
    rows = session.scalars(sa.select(ChangeLog).where(ChangeLog.seq > after_seq).order_by(ChangeLog.seq).limit(limit))
    return [_row(r) for r in rows]


def latest_seq(session: Session) -> int:
    return int(session.scalar(sa.select(sa.func.coalesce(sa.func.max(ChangeLog.seq), 0))) or 0)


def users_of_changes(session: Session, seqs: Sequence[int]) -> dict[int, list[str]]:
    """The guids of the users each change touches, for many changes in one query."""
    out: dict[int, list[str]] = {seq: [] for seq in seqs}
    rows = session.execute(
        sa.select(ChangeLogUser.seq, User.guid)
        .join(User, User.id == ChangeLogUser.user_id)
        .where(ChangeLogUser.seq.in_(list(seqs)))
        .order_by(ChangeLogUser.seq, User.guid)
    )
    for seq, guid in rows:
        out[int(seq)].append(str(guid))
    return out


def _row(r: ChangeLog) -> ChangeRow:
    return ChangeRow(
        seq=r.seq,
        activity_guid=r.activity_guid,
        operation=r.operation,
        origin=r.origin,
        changed_fields=tuple(json.loads(r.changed_fields or "[]")),
        created_at=r.created_at,
    )


class UnloggedActivityChange(RuntimeError):
    """A transaction changed an activity without writing the change log: a bug."""


@event.listens_for(Session, "after_flush")
def _note_changed(session: Session, _context: object) -> None:
    changed: set[int] = session.info.setdefault(_CHANGED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Activity) and session.is_modified(obj, include_collections=False):
            changed.add(obj.id)
        elif isinstance(obj, ActivityParticipant) and obj.activity_id is not None:
            changed.add(obj.activity_id)


@event.listens_for(Session, "before_commit")
def _refuse_unlogged(session: Session) -> None:
    session.flush()
    changed: set[int] = session.info.pop(_CHANGED, set())
    logged: set[int] = session.info.pop(_LOGGED, set())
    missing = changed - logged
    if missing:
        raise UnloggedActivityChange(f"activities {sorted(missing)} changed without a change-log entry")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_LOGGED, None)
