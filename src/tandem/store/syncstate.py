"""The calendar sync's state in the database: `SqlSyncStateStore` implements
`tandem.ports.state.SyncStateStore` on SQLite and PostgreSQL.

Each method is one transaction; values cross as the plain records of
`tandem.domain.syncstate`, snapshots and intents as JSON. Database failures leave as
Tandem's errors (`tandem.store.errors`: a lost connection or a lock timeout is
`Unavailable`), translated where the store opens its units of work.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from tandem.domain.syncstate import (
    STAND_IN,
    BaseSnapshot,
    Conflict,
    ConflictWinner,
    Cursor,
    Intent,
    ItemRecord,
    Link,
    LinkedItem,
    QuarantinedItem,
    QuarantineSide,
    RemovedItem,
    RunCounts,
    RunRecord,
    SavedIntent,
    SavedItem,
    SyncedFields,
    is_stand_in,
)
from tandem.store.base import Base
from tandem.store.db import Database
from tandem.store.errors import TranslatedDatabase

_T = TypeVar("_T")
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class SyncLink(Base):
    __tablename__ = "sync_links"
    __table_args__ = (
        sa.UniqueConstraint("user_guid", "calendar_id", "activity_guid", name="uq_sync_links_activity"),
        sa.UniqueConstraint("user_guid", "calendar_id", "event_id", name="uq_sync_links_event"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    user_guid: Mapped[str] = mapped_column(sa.String(36))
    calendar_id: Mapped[str] = mapped_column(sa.String(320))
    activity_guid: Mapped[str] = mapped_column(sa.String(36))
    event_id: Mapped[str] = mapped_column(sa.String(1024))
    organiser_email: Mapped[str | None] = mapped_column(sa.String(320))
    base_fields: Mapped[str | None] = mapped_column(sa.Text, comment="SyncedFields JSON")
    base_type_guid: Mapped[str | None] = mapped_column(sa.String(36))
    base_activity_version: Mapped[int | None] = mapped_column()
    base_event_etag: Mapped[str | None] = mapped_column(sa.String(200))
    base_saved_at: Mapped[datetime | None] = mapped_column()
    intent: Mapped[str | None] = mapped_column(sa.Text, comment="Intent JSON while writes are in flight")


class SyncConflict(Base):
    __tablename__ = "sync_conflicts"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_guid: Mapped[str] = mapped_column(sa.String(36), index=True)
    activity_guid: Mapped[str] = mapped_column(sa.String(36))
    event_id: Mapped[str] = mapped_column(sa.String(1024))
    fields: Mapped[str] = mapped_column(sa.Text)
    base: Mapped[str | None] = mapped_column(sa.Text)
    psa: Mapped[str] = mapped_column(sa.Text)
    calendar: Mapped[str] = mapped_column(sa.Text)
    winner: Mapped[str] = mapped_column(sa.String(10))
    detected_at: Mapped[datetime] = mapped_column(index=True)


class SyncQuarantine(Base):
    __tablename__ = "sync_quarantine"
    __table_args__ = (sa.UniqueConstraint("user_guid", "calendar_id", "item_key", name="uq_sync_quarantine_item"),)

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    user_guid: Mapped[str] = mapped_column(sa.String(36))
    calendar_id: Mapped[str] = mapped_column(sa.String(320))
    item_key: Mapped[str] = mapped_column(sa.String(1100), comment="activity guid | event id")
    activity_guid: Mapped[str | None] = mapped_column(sa.String(36))
    event_id: Mapped[str | None] = mapped_column(sa.String(1024))
    side: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    retry_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=1)


class SyncCursor(Base):
    __tablename__ = "sync_cursors"

    user_guid: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    calendar_id: Mapped[str] = mapped_column(sa.String(320), primary_key=True)
    calendar_token: Mapped[str | None] = mapped_column(sa.Text)
    hub_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    initial_done_at: Mapped[datetime | None] = mapped_column()


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (sa.Index("ix_sync_runs_user_started", "user_guid", "started_at"),)

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    user_guid: Mapped[str] = mapped_column(sa.String(36))
    calendar_id: Mapped[str] = mapped_column(sa.String(320))
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    counts: Mapped[str] = mapped_column(sa.Text)
    halted_reason: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)
    dry_run: Mapped[bool] = mapped_column(default=False)


def _dump(fields: SyncedFields | None) -> str | None:
    return None if fields is None else json.dumps(fields.to_json(), sort_keys=True)


def _load(text: str | None) -> SyncedFields | None:
    return None if text is None else SyncedFields.from_json(json.loads(text))


def _intent_json(intent: Intent) -> str:
    return json.dumps(
        {
            "write_id": intent.write_id,
            "target": intent.target.to_json(),
            "psa_before": intent.psa_before.to_json() if intent.psa_before else None,
            "calendar_before": intent.calendar_before.to_json() if intent.calendar_before else None,
            "saved_at": intent.saved_at.isoformat(),
        },
        sort_keys=True,
    )


def _intent(text: str | None) -> Intent | None:
    if text is None:
        return None
    data: dict[str, Any] = json.loads(text)
    return Intent(
        write_id=data["write_id"],
        target=SyncedFields.from_json(data["target"]),
        psa_before=SyncedFields.from_json(data["psa_before"]) if data["psa_before"] else None,
        calendar_before=SyncedFields.from_json(data["calendar_before"]) if data["calendar_before"] else None,
        saved_at=datetime.fromisoformat(data["saved_at"]),
    )


def _item(row: SyncLink) -> LinkedItem:
    link = Link(row.user_guid, row.calendar_id, row.activity_guid, row.event_id, row.organiser_email)
    base = None
    fields = _load(row.base_fields)
    if fields is not None and row.base_saved_at is not None:
        base = BaseSnapshot(
            fields=fields,
            type_guid=row.base_type_guid or "",
            activity_version=row.base_activity_version,
            event_etag=row.base_event_etag,
            saved_at=row.base_saved_at,
        )
    return LinkedItem(link=link, base=base, intent=_intent(row.intent))


def _save_cursor(session: Session, cursor: Cursor) -> None:
    row = session.get(SyncCursor, (cursor.user_guid, cursor.calendar_id))
    if row is None:
        row = SyncCursor(user_guid=cursor.user_guid, calendar_id=cursor.calendar_id)
        session.add(row)
    row.calendar_token = cursor.calendar_token
    row.hub_seq = cursor.hub_seq
    row.initial_done_at = cursor.initial_done_at


def _item_key(activity_guid: str | None, event_id: str | None) -> str:
    return f"{activity_guid or ''}|{event_id or ''}"


Key = tuple[str, str, str]
"""(user guid, calendar id, activity guid or event id)."""


class _LinkRows:
    """The link rows some items' records touch, read in one query per 500 of them (not one
    per record), kept in step as the records change them within the unit of work."""

    def __init__(self, session: Session, links: Sequence[Link]) -> None:
        self.session = session
        self.by_activity: dict[Key, SyncLink] = {}
        self.by_event: dict[Key, SyncLink] = {}
        scopes: dict[tuple[str, str], list[Link]] = {}
        for link in links:
            scopes.setdefault((link.user_guid, link.calendar_id), []).append(link)
        for (user, calendar), scoped in scopes.items():
            for some in (scoped[i : i + 500] for i in range(0, len(scoped), 500)):
                query = sa.select(SyncLink).where(
                    SyncLink.user_guid == user,
                    SyncLink.calendar_id == calendar,
                    sa.or_(
                        _among(session, SyncLink.activity_guid, {k.activity_guid for k in some}),
                        _among(session, SyncLink.event_id, {k.event_id for k in some}),
                    ),
                )
                for row in session.scalars(query):
                    self._index(row)

    def _index(self, row: SyncLink) -> None:
        self.by_activity[(row.user_guid, row.calendar_id, row.activity_guid)] = row
        self.by_event[(row.user_guid, row.calendar_id, row.event_id)] = row

    def _drop(self, row: SyncLink) -> None:
        self.by_activity.pop((row.user_guid, row.calendar_id, row.activity_guid), None)
        self.by_event.pop((row.user_guid, row.calendar_id, row.event_id), None)
        if sa.inspect(row).pending:  # added by an earlier record of this unit of work
            self.session.expunge(row)
            return
        self.session.delete(row)
        self.session.flush()  # gone before a row that takes its activity or event is written

    def claim(self, link: Link) -> SyncLink:
        """The row for this link: the one of its activity, another row of its event dropped
        (an item is linked to exactly one counterpart)."""
        mine = self.by_activity.get((link.user_guid, link.calendar_id, link.activity_guid))
        other = self.by_event.get((link.user_guid, link.calendar_id, link.event_id))
        if other is not None and other is not mine:
            self._drop(other)
        if mine is None:
            mine = SyncLink(user_guid=link.user_guid, calendar_id=link.calendar_id, activity_guid=link.activity_guid)
            self.session.add(mine)
        else:
            self.by_event.pop((mine.user_guid, mine.calendar_id, mine.event_id), None)
        mine.event_id = link.event_id
        mine.organiser_email = link.organiser_email
        self._index(mine)
        return mine

    def remove(self, link: Link) -> None:
        """Drop the rows of the link's activity and of its event (none is fine)."""
        mine = self.by_activity.get((link.user_guid, link.calendar_id, link.activity_guid))
        other = self.by_event.get((link.user_guid, link.calendar_id, link.event_id))
        if mine is not None:
            self._drop(mine)
        if other is not None and other is not mine:
            self._drop(other)


def _record_items(session: Session, records: Sequence[ItemRecord]) -> None:
    """The records in order in this unit of work; the quarantine they clear, at the end."""
    rows = _LinkRows(session, [r.link for r in records])
    cleared: list[Link] = []
    for record in records:
        match record:
            case SavedIntent(link=link, intent=intent):
                rows.claim(link).intent = _intent_json(intent)
            case SavedItem(link=link, base=base):
                row = rows.claim(link)
                row.base_fields = _dump(base.fields)
                row.base_type_guid = base.type_guid
                row.base_activity_version = base.activity_version
                row.base_event_etag = base.event_etag
                row.base_saved_at = base.saved_at
                row.intent = None
                cleared.append(link)
            case RemovedItem(link=link):
                rows.remove(link)
                cleared.append(link)
    _unquarantine(session, cleared)


def _unquarantine(session: Session, links: Sequence[Link]) -> None:
    """Whatever of these items is set aside is not any more (by item, activity or event)."""
    scopes: dict[tuple[str, str], set[str]] = {}
    for link in links:
        scopes.setdefault((link.user_guid, link.calendar_id), set()).update(
            (
                _item_key(link.activity_guid, link.event_id),
                _item_key(link.activity_guid, None),
                _item_key(None, link.event_id),
            )
        )
    for (user, calendar), keys in scopes.items():
        scope = (SyncQuarantine.user_guid == user, SyncQuarantine.calendar_id == calendar)
        if session.scalar(sa.select(SyncQuarantine.id).where(*scope).limit(1)) is None:
            continue  # the usual case (a first sync above all): nothing of the user's is set aside
        for chunk in _chunks(sorted(keys)):
            session.execute(sa.delete(SyncQuarantine).where(*scope, _among(session, SyncQuarantine.item_key, chunk)))


def forget_calendar_state(session: Session, user_guid: str | None = None) -> None:
    """Every link, cursor, conflict and quarantined item goes (of one user, or of all), in
    `session`'s transaction: the calendars they point at are no longer the ones synced, so the
    next runs are initial (CAL-10 pairs what both sides hold again). Run records stay, as
    history."""
    for table in (SyncLink, SyncCursor, SyncConflict, SyncQuarantine):
        statement = sa.delete(table)
        session.execute(statement if user_guid is None else statement.where(table.user_guid == user_guid))


class SqlSyncStateStore:
    """`SyncStateStore` on the hub's database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._units = TranslatedDatabase(db, "the sync state")

    # ------------------------------------------------------------------ links + base

    def _links(self, session: Session, user: str, calendar: str, *where: sa.ColumnElement[bool]) -> list[SyncLink]:
        query = sa.select(SyncLink).where(SyncLink.user_guid == user, SyncLink.calendar_id == calendar, *where)
        return list(session.scalars(query))

    def links_by_activity(
        self, user_guid: str, calendar_id: str, activity_guids: Collection[str]
    ) -> Mapping[str, LinkedItem]:
        out: dict[str, LinkedItem] = {}
        with self._units.read() as session:
            for chunk in _chunks(list(activity_guids)):
                for row in self._links(session, user_guid, calendar_id, _among(session, SyncLink.activity_guid, chunk)):
                    out[row.activity_guid] = _item(row)
        return out

    def links_by_event(self, user_guid: str, calendar_id: str, event_ids: Collection[str]) -> Mapping[str, LinkedItem]:
        out: dict[str, LinkedItem] = {}
        with self._units.read() as session:
            for chunk in _chunks(list(event_ids)):
                for row in self._links(session, user_guid, calendar_id, _among(session, SyncLink.event_id, chunk)):
                    out[row.event_id] = _item(row)
        return out

    def all_links(self, user_guid: str, calendar_id: str) -> Sequence[LinkedItem]:
        with self._units.read() as session:
            return [_item(row) for row in self._links(session, user_guid, calendar_id)]

    def count_links(self, user_guid: str, calendar_id: str) -> int:
        with self._units.read() as session:
            return int(
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(SyncLink)
                    .where(SyncLink.user_guid == user_guid, SyncLink.calendar_id == calendar_id)
                )
                or 0
            )

    def stand_ins(self, user_guid: str, calendar_id: str) -> Sequence[LinkedItem]:
        # Read by every run, idle ones included, and a user has thousands of links but rarely
        # a stand-in: the ids and event ids alone are an index-only scan (uq_sync_links_event),
        # not a read of every link row (3.4 ms of an idle run for 2,000 links, issue 13).
        found = SyncLink.event_id.contains(STAND_IN, autoescape=True)
        mine = (SyncLink.user_guid == user_guid, SyncLink.calendar_id == calendar_id, found)
        with self._units.read() as session:
            ids = [
                i
                for i, event_id in session.execute(sa.select(SyncLink.id, SyncLink.event_id).where(*mine))
                if is_stand_in(event_id)
            ]
            return [
                _item(row)
                for chunk in _chunks(ids)
                for row in session.scalars(sa.select(SyncLink).where(SyncLink.id.in_(chunk)))
            ]

    def holders(self, activity_guids: Collection[str]) -> Mapping[str, frozenset[tuple[str, str]]]:
        found: dict[str, set[tuple[str, str]]] = {}
        with self._units.read() as session:
            for chunk in _chunks(list(activity_guids)):
                rows = session.execute(
                    sa.select(SyncLink.activity_guid, SyncLink.user_guid, SyncLink.event_id).where(
                        SyncLink.activity_guid.in_(chunk), SyncLink.organiser_email.is_(None)
                    )
                )
                for guid, user, event_id in rows:
                    found.setdefault(guid, set()).add((user, event_id))
        return {guid: frozenset(held) for guid, held in found.items()}

    def hosting_users(self, user_guids: Collection[str]) -> frozenset[str]:
        found: set[str] = set()
        with self._units.read() as session:
            for chunk in _chunks(list(set(user_guids))):
                done = sa.select(SyncCursor.user_guid).where(
                    SyncCursor.user_guid.in_(chunk), SyncCursor.initial_done_at.is_not(None)
                )
                tried = sa.select(SyncRun.user_guid).where(SyncRun.user_guid.in_(chunk)).distinct()
                found.update(session.scalars(done))
                found.update(set(chunk) - set(session.scalars(tried)))
        return frozenset(found)

    def save_intent(self, link: Link, intent: Intent) -> None:
        self.record_items([SavedIntent(link, intent)])

    def save_item(self, link: Link, base: BaseSnapshot) -> None:
        self.record_items([SavedItem(link, base)])

    def remove_item(self, link: Link) -> None:
        self.record_items([RemovedItem(link)])

    def record_items(
        self, records: Sequence[ItemRecord], run: RunRecord | None = None, advance: Cursor | None = None
    ) -> None:
        with self._units.write() as session:
            if records:
                _record_items(session, records)
            if run is not None:
                self._record_run(session, run, advance)
            elif advance is not None:
                _save_cursor(session, advance)

    # ------------------------------------------------------------------ for the admin

    def record_conflict(self, conflict: Conflict) -> None:
        with self._units.write() as session:
            row = session.get(SyncConflict, conflict.id) or SyncConflict(id=conflict.id)
            row.user_guid = conflict.user_guid
            row.activity_guid = conflict.activity_guid
            row.event_id = conflict.event_id
            row.fields = json.dumps(list(conflict.fields))
            row.base = _dump(conflict.base)
            row.psa = _dump(conflict.psa) or "{}"
            row.calendar = _dump(conflict.calendar) or "{}"
            row.winner = conflict.winner.value
            row.detected_at = conflict.detected_at
            session.add(row)

    def conflicts(self, user_guid: str, limit: int = 100) -> Sequence[Conflict]:
        with self._units.read() as session:
            rows = session.scalars(
                sa.select(SyncConflict)
                .where(SyncConflict.user_guid == user_guid)
                .order_by(SyncConflict.detected_at.desc())
                .limit(limit)
            )
            return [
                Conflict(
                    id=r.id,
                    user_guid=r.user_guid,
                    activity_guid=r.activity_guid,
                    event_id=r.event_id,
                    fields=tuple(json.loads(r.fields)),
                    base=_load(r.base),
                    psa=SyncedFields.from_json(json.loads(r.psa)),
                    calendar=SyncedFields.from_json(json.loads(r.calendar)),
                    winner=ConflictWinner(r.winner),
                    detected_at=r.detected_at,
                )
                for r in rows
            ]

    def quarantine(self, item: QuarantinedItem) -> None:
        key = _item_key(item.activity_guid, item.event_id)
        with self._units.write() as session:
            row = session.scalars(
                sa.select(SyncQuarantine).where(
                    SyncQuarantine.user_guid == item.user_guid,
                    SyncQuarantine.calendar_id == item.calendar_id,
                    SyncQuarantine.item_key == key,
                )
            ).one_or_none()
            if row is None:
                session.add(
                    SyncQuarantine(
                        user_guid=item.user_guid,
                        calendar_id=item.calendar_id,
                        item_key=key,
                        activity_guid=item.activity_guid,
                        event_id=item.event_id,
                        side=item.side.value,
                        reason=item.reason,
                        retry_at=item.retry_at,
                        attempts=item.attempts,
                    )
                )
            else:
                row.attempts += 1
                row.reason = item.reason
                row.retry_at = item.retry_at
                row.side = item.side.value

    def _quarantined(self, user_guid: str, calendar_id: str, *where: sa.ColumnElement[bool]) -> list[QuarantinedItem]:
        with self._units.read() as session:
            rows = session.scalars(
                sa.select(SyncQuarantine)
                .where(SyncQuarantine.user_guid == user_guid, SyncQuarantine.calendar_id == calendar_id, *where)
                .order_by(SyncQuarantine.retry_at)
            )
            return [
                QuarantinedItem(
                    user_guid=r.user_guid,
                    calendar_id=r.calendar_id,
                    activity_guid=r.activity_guid,
                    event_id=r.event_id,
                    side=QuarantineSide(r.side),
                    reason=r.reason,
                    retry_at=r.retry_at,
                    attempts=r.attempts,
                )
                for r in rows
            ]

    def quarantined(self, user_guid: str, calendar_id: str) -> Sequence[QuarantinedItem]:
        return self._quarantined(user_guid, calendar_id)

    def due_for_retry(self, user_guid: str, calendar_id: str, now: datetime) -> Sequence[QuarantinedItem]:
        return self._quarantined(user_guid, calendar_id, SyncQuarantine.retry_at <= now)

    def retry_now(
        self, user_guid: str, calendar_id: str, activity_guid: str | None, event_id: str | None, now: datetime
    ) -> bool:
        with self._units.write() as session:
            done = session.execute(
                sa.update(SyncQuarantine)
                .where(
                    SyncQuarantine.user_guid == user_guid,
                    SyncQuarantine.calendar_id == calendar_id,
                    SyncQuarantine.item_key == _item_key(activity_guid, event_id),
                )
                .values(retry_at=now)
            )
            return bool(getattr(done, "rowcount", 0))

    # ------------------------------------------------------------------ progress

    def cursor(self, user_guid: str, calendar_id: str) -> Cursor | None:
        # Read every run: plain columns, not an ORM object (a third of the cost).
        with self._units.read() as session:
            row = session.execute(
                sa.select(SyncCursor.calendar_token, SyncCursor.hub_seq, SyncCursor.initial_done_at).where(
                    SyncCursor.user_guid == user_guid, SyncCursor.calendar_id == calendar_id
                )
            ).one_or_none()
            return None if row is None else Cursor(user_guid, calendar_id, *row)

    def save_cursor(self, cursor: Cursor) -> None:
        with self._units.write() as session:
            _save_cursor(session, cursor)

    def lowest_hub_seq(self, user_guids: Collection[str]) -> int | None:
        wanted = list(user_guids)
        lowest: int | None = None
        with self._units.read() as session:
            for i in range(0, len(wanted), 500):
                found = session.scalar(
                    sa.select(sa.func.min(SyncCursor.hub_seq)).where(SyncCursor.user_guid.in_(wanted[i : i + 500]))
                )
                if found is not None:
                    lowest = found if lowest is None else min(lowest, found)
        return lowest

    def forget_calendar(self) -> None:
        """Forget every link, cursor, conflict and quarantined item: the calendars are new
        (the demo's in-memory Google starts empty on every start). The next runs are initial."""
        with self._units.write() as session:
            forget_calendar_state(session)

    keep_runs: int = 200
    """Run records kept per user (older ones are dropped as new ones come)."""

    def record_run(self, run: RunRecord, advance: Cursor | None = None) -> None:
        self.record_items((), run, advance)

    def _record_run(self, session: Session, run: RunRecord, advance: Cursor | None) -> None:
        counts = {name: getattr(run.counts, name) for name in RunCounts.__dataclass_fields__}
        if advance is not None:
            _save_cursor(session, advance)
        session.add(
            SyncRun(
                user_guid=run.user_guid,
                calendar_id=run.calendar_id,
                started_at=run.started_at,
                finished_at=run.finished_at,
                counts=json.dumps(counts),
                halted_reason=run.halted_reason,
                error=run.error,
                dry_run=run.dry_run,
            )
        )
        session.flush()
        oldest_kept = session.scalar(
            sa.select(SyncRun.id)
            .where(SyncRun.user_guid == run.user_guid)
            .order_by(SyncRun.id.desc())
            .offset(self.keep_runs - 1)
            .limit(1)
        )
        if oldest_kept is not None:
            session.execute(sa.delete(SyncRun).where(SyncRun.user_guid == run.user_guid, SyncRun.id < oldest_kept))

    def last_runs(self, user_guid: str, limit: int = 20) -> Sequence[RunRecord]:
        with self._units.read() as session:
            rows = session.scalars(
                sa.select(SyncRun).where(SyncRun.user_guid == user_guid).order_by(SyncRun.id.desc()).limit(limit)
            )
            return [_run(r) for r in rows]

    def runs_since(self, since: datetime, limit: int = 10_000) -> Sequence[RunRecord]:
        with self._units.read() as session:
            rows = session.scalars(
                sa.select(SyncRun).where(SyncRun.started_at >= since).order_by(SyncRun.id.desc()).limit(limit)
            )
            return [_run(r) for r in rows]


def _run(row: SyncRun) -> RunRecord:
    return RunRecord(
        user_guid=row.user_guid,
        calendar_id=row.calendar_id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts=RunCounts(**json.loads(row.counts)),
        halted_reason=row.halted_reason,
        error=row.error,
        dry_run=row.dry_run,
    )


def _among(session: Session, column: InstrumentedAttribute[str], values: Collection[str]) -> sa.ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(:array)`, one parameter however many
    values: the statement's text is the same for every batch, so neither SQLAlchemy nor
    psycopg compiles a new one with hundreds of placeholders for each (a sixth of a first
    sync's time on PostgreSQL went there)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(sa.String)))
    return column.in_(values)


def _chunks(items: list[_T], size: int = 500) -> list[list[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
