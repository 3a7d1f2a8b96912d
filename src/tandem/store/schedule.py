"""The calendar sync's schedule, in the database: one row per user.

    next_due_at      when the user's calendar is read again (the 30 s cycle, CAL-8)
    failures         runs that failed in a row; back-off grows with them
    backoff_until    no run before this (after failures)
    paused_reason    why the user's sync is held (quotaExceeded, the mass-deletion
                     breaker, a missing calendar account): shown to the admin
    paused_until     when a pause ends by itself (None: until someone resumes it)

Keeping the schedule here, not in a process's memory, lets a restarted process (or, later,
several processes) carry on where the last one was. Database failures leave as Tandem's
errors (`tandem.store.errors`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from tandem.domain.schedule import UserSchedule as UserSchedule  # the value, kept where callers found it
from tandem.store.base import Base
from tandem.store.db import Database
from tandem.store.errors import TranslatedDatabase


class SyncSchedule(Base):
    __tablename__ = "sync_schedule"

    user_guid: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    next_due_at: Mapped[datetime] = mapped_column(index=True)
    failures: Mapped[int] = mapped_column(default=0)
    backoff_until: Mapped[datetime | None] = mapped_column()
    paused_reason: Mapped[str | None] = mapped_column(sa.Text)
    paused_until: Mapped[datetime | None] = mapped_column()
    last_started_at: Mapped[datetime | None] = mapped_column()
    last_finished_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)


_COLUMNS = tuple(UserSchedule.__dataclass_fields__)


def _value(row: SyncSchedule) -> UserSchedule:
    return UserSchedule(**{name: getattr(row, name) for name in _COLUMNS})


class SqlSchedule:
    """`tandem.ports.state.ScheduleStore` on the hub's database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._units = TranslatedDatabase(db, "the sync schedule")

    def ensure(self, user_guids: Collection[str], now: datetime) -> None:
        """A row for every user given (due now); rows of users not given are removed."""
        wanted = set(user_guids)
        with self._units.write() as session:
            have = set(session.scalars(sa.select(SyncSchedule.user_guid)))
            for user in wanted - have:
                session.add(SyncSchedule(user_guid=user, next_due_at=now))
            gone = have - wanted
            if gone:
                session.execute(sa.delete(SyncSchedule).where(SyncSchedule.user_guid.in_(gone)))

    def due(self, now: datetime, limit: int = 1000) -> list[str]:
        """Users whose run is due: next due, no back-off, not paused (or the pause ended)."""
        with self._units.read() as session:
            return list(
                session.scalars(
                    sa.select(SyncSchedule.user_guid)
                    .where(
                        SyncSchedule.next_due_at <= now,
                        sa.or_(SyncSchedule.backoff_until.is_(None), SyncSchedule.backoff_until <= now),
                        sa.or_(
                            SyncSchedule.paused_reason.is_(None),
                            sa.and_(SyncSchedule.paused_until.is_not(None), SyncSchedule.paused_until <= now),
                        ),
                    )
                    .order_by(SyncSchedule.next_due_at)
                    .limit(limit)
                )
            )

    def retry_all_now(self, now: datetime) -> None:
        """Every user due now, back-off forgotten (the admin fixed the connection);
        pauses that wait for someone (the breaker) stay."""
        with self._units.write() as session:
            session.execute(sa.update(SyncSchedule).values(next_due_at=now, backoff_until=None, failures=0))

    def get(self, user_guid: str) -> UserSchedule | None:
        with self._units.read() as session:
            row = session.get(SyncSchedule, user_guid)
            return None if row is None else _value(row)

    def all(self) -> Sequence[UserSchedule]:
        with self._units.read() as session:
            return [_value(r) for r in session.scalars(sa.select(SyncSchedule).order_by(SyncSchedule.user_guid))]

    def save(self, schedule: UserSchedule) -> None:
        with self._units.write() as session:
            _write(session, session.get(SyncSchedule, schedule.user_guid), schedule)

    def update(self, user_guid: str, change: Callable[[UserSchedule | None], UserSchedule]) -> UserSchedule:
        with self._units.write() as session:
            row = session.get(SyncSchedule, user_guid)
            after = change(None if row is None else _value(row))
            _write(session, row, after)
            return after


def _write(session: Session, row: SyncSchedule | None, schedule: UserSchedule) -> None:
    if row is None:
        row = SyncSchedule(user_guid=schedule.user_guid)
        session.add(row)
    for name in _COLUMNS:
        setattr(row, name, getattr(schedule, name))
