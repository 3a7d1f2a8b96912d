"""The ERP integration's state in the hub's database: `SqlErpStateStore` implements
`tandem.ports.erp.ErpStateStore` on SQLite and PostgreSQL.

    erp_links   one row per (entity, PSA guid): the ERP key it is linked to and the base
                snapshot (the values both sides last agreed on, JSON)
    erp_runs    one row per run: when, and the whole report as JSON (or, for a run that
                failed as a whole, the error)
    erp_state   one row: the integration's enabled flag (`tandem erp enable`), and the
                rules saved on Admin → ERP (JSON; NULL while tandem.toml's apply)

Why in the hub's database: a link and the PSA record it describes then live side by side,
so `ItemWrites.batch` can commit a PSA write and its link in one transaction (the ERP is
another database; what it holds is designed to survive a lost link, see
`tandem.runtime.erp.executor`). Each method is one transaction of its own unless a batch is
open; values cross as the records of `tandem.domain.erp`. Database failures leave as Tandem's
errors (`tandem.store.errors`), translated where units of work open and commit.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from tandem.domain.erp import (
    BaseSnapshot,
    Conflict,
    EntityReport,
    ErpEntity,
    ErpLink,
    ExcludedItem,
    Failure,
    RunReport,
    Side,
)
from tandem.store.base import Base, UTCDateTime
from tandem.store.db import BATCH_SCOPE, Database
from tandem.store.errors import TranslatedDatabase, translated


def _utcnow() -> datetime:
    return datetime.now(UTC)


BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

KEEP_RUNS = 2000
"""Run records kept (two weeks of ten-minute runs); older ones are pruned now and then."""
PRUNE_EVERY = 100


class ErpLinkRow(Base):
    __tablename__ = "erp_links"

    entity: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    psa_guid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    erp_key: Mapped[str] = mapped_column(sa.String(100))
    base: Mapped[str | None] = mapped_column(sa.Text, comment="BaseSnapshot.values as JSON; NULL: no base")
    linked_at: Mapped[datetime | None] = mapped_column()


class ErpRunRow(Base):
    __tablename__ = "erp_runs"

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime] = mapped_column()
    dry_run: Mapped[bool] = mapped_column(default=False)
    report: Mapped[str | None] = mapped_column(sa.Text, comment="RunReport as JSON; NULL when the run failed")
    error: Mapped[str | None] = mapped_column(sa.Text, comment="why the run as a whole failed")


class ErpStateRow(Base):
    __tablename__ = "erp_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime | None] = mapped_column(default=_utcnow, onupdate=_utcnow)
    rules: Mapped[str | None] = mapped_column(
        sa.Text, comment="SavedRules as JSON, saved on Admin → ERP; NULL: tandem.toml's [erp] rules"
    )


@dataclass(frozen=True, slots=True)
class RunEntry:
    """One recorded run: its report, or the error that kept it from running at all."""

    started_at: datetime
    finished_at: datetime
    report: RunReport | None
    error: str | None = None


# --- units of work ------------------------------------------------------------------------


class ItemWrites:
    """Where the ERP integration's writes to the hub's database go: one transaction per
    call, or — inside `batch()` — one savepoint per item in a transaction that commits
    every `batch_size` items.

    The hub port (`tandem.hub.adapters.master_data.HubMasterData`) and `SqlErpStateStore` share one
    instance, so inside a batch a PSA record and its link commit together. A failing item
    rolls back to its savepoint only: one bad record never stops the run, and nothing of it
    is half-written. A crash loses at most the batch's uncommitted items, which the next
    run finds unlinked and pairs again (the ERP keeps the PSA guid of what it was given).
    Not thread-safe: one run at a time uses it.
    """

    def __init__(self, db: Database, batch_size: int = 200) -> None:
        self.db = db
        self._units = TranslatedDatabase(db, "the ERP state")
        self.batch_size = batch_size
        self._batching = False
        self._open: ExitStack | None = None
        self._session: Session | None = None
        self._items = 0
        self._in_item = False
        self._deferred: list[tuple[sa.Executable, dict[str, Any]]] | None = None
        self.scope: dict[object, Any] = {}
        """What the batch's writers keep between items and transactions (`BATCH_SCOPE`)."""

    @property
    def atomic_items(self) -> bool:
        """Inside a batch, a failed item's writes are rolled back (its savepoint)."""
        return self._batching

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session to write in: its own transaction, or the open batch's (inside an item,
        whose savepoint already makes the item's writes all-or-nothing)."""
        if not self._batching:
            with self._units.write() as session:
                yield session
            return
        session = self._batch_session()
        if self._in_item:
            yield session
            return
        with translated(self._units.what), session.begin_nested():
            yield session

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group the items written inside into transactions of `batch_size` items."""
        if self._batching:
            yield
            return
        self._batching = True
        self.scope = {}
        try:
            yield
        except BaseException as exc:
            self._end(exc)
            raise
        else:
            self._end(None)
        finally:
            self._batching = False
            self.scope = {}

    @contextmanager
    def item(self) -> Iterator[None]:
        """One item of a batch: all its hub writes or none."""
        if not self._batching:
            yield
            return
        try:
            with translated(self._units.what), self._batch_session().begin_nested():
                self._in_item = True
                try:
                    yield
                finally:
                    self._in_item = False
        except BaseException:
            self.scope.clear()  # learnt from writes that are rolled back now
            raise
        self._items += 1

    @contextmanager
    def chunk(self, items: int) -> Iterator[None]:
        """`items` items of a batch at once: all their hub writes or none (one savepoint).
        Writes that need no answer (`defer`, new rows left in the session) go to the
        database together as the chunk ends."""
        with self.item():
            self._deferred = []
            try:
                yield
                self._flush_deferred()
            finally:
                self._deferred = None
        self._items += items - 1  # `item` counted one

    @property
    def deferring(self) -> bool:
        """Inside a chunk: `defer` keeps a write for the chunk's end."""
        return self._deferred is not None

    def defer(self, statement: sa.Executable, parameters: dict[str, Any]) -> None:
        """A write whose answer nobody waits for, sent with the others of its kind as the
        chunk ends (one round trip for many on PostgreSQL), in the chunk's savepoint."""
        assert self._deferred is not None, "only inside a chunk"
        self._deferred.append((statement, parameters))

    def _flush_deferred(self) -> None:
        session = self._batch_session()
        session.flush()  # rows the chunk's items left in the session (`masters.save(flush=False)`)
        if not self._deferred:
            return
        connection = session.connection()
        for statement, group in itertools.groupby(self._deferred, key=lambda write: write[0]):
            connection.execute(statement, [parameters for _, parameters in group])

    @property
    def chunk_size(self) -> int:
        return self.batch_size

    @property
    def due(self) -> bool:
        """The batch is full: the next `checkpoint` commits it."""
        return self._batching and self._items >= self.batch_size

    def checkpoint(self) -> None:
        """Between items: commit when the batch is full. A failure here is not one item's
        (the whole batch is lost) and must stop the run, so it is not part of `item`."""
        if self.due:
            self._end(None)

    def _batch_session(self) -> Session:
        # Opened lazily: a run that writes nothing never starts a write transaction.
        if self._session is None:
            self._open = ExitStack()
            self._session = self._open.enter_context(self._units.write())
            self._session.info[BATCH_SCOPE] = self.scope
        return self._session

    def _end(self, error: BaseException | None) -> None:
        """Commit the open transaction, or roll it back when `error` escaped the batch."""
        opened, self._open, self._session, self._items = self._open, None, None, 0
        if opened is not None:
            opened.__exit__(type(error) if error else None, error, error.__traceback__ if error else None)


# --- the store ----------------------------------------------------------------------------


SAVE_LINK = sa.text(
    "INSERT INTO erp_links (entity, psa_guid, erp_key, base, linked_at) "
    "VALUES (:entity, :psa_guid, :erp_key, :base, :linked_at) "
    "ON CONFLICT (entity, psa_guid) DO UPDATE SET "
    "erp_key = excluded.erp_key, base = excluded.base, linked_at = excluded.linked_at"
).bindparams(sa.bindparam("linked_at", type_=UTCDateTime()))
"""An upsert in one statement, written out because it is the same on SQLite (3.24+) and
PostgreSQL and, as text, compiled once (SQLAlchemy does not cache its ON CONFLICT
constructs, and a first run saves a link per record)."""


class SqlErpStateStore:
    """`ErpStateStore` on the hub's database (links, runs, the enabled flag)."""

    def __init__(self, db: Database, writes: ItemWrites | None = None) -> None:
        self.db = db
        self._units = TranslatedDatabase(db, "the ERP state")
        self.writes = writes or ItemWrites(db)

    # links -------------------------------------------------------------------------------

    def links(self, entity: ErpEntity) -> Mapping[str, ErpLink]:
        with self._units.read() as session:
            rows = session.connection().execute(  # Core: plain rows, no ORM loading (a run reads them all)
                sa.select(ErpLinkRow.psa_guid, ErpLinkRow.erp_key, ErpLinkRow.base, ErpLinkRow.linked_at).where(
                    ErpLinkRow.entity == entity.value
                )
            )
            return {guid: ErpLink(entity, guid, key, _base(base), linked_at) for guid, key, base, linked_at in rows}

    def save_link(self, link: ErpLink) -> None:
        values = {
            "entity": link.entity.value,
            "psa_guid": link.psa_guid,
            "erp_key": link.erp_key,
            "base": None if link.base is None else json.dumps(dict(link.base.values), sort_keys=True),
            "linked_at": link.linked_at,
        }
        if self.writes.deferring:
            self.writes.defer(SAVE_LINK, values)
            return
        with self.writes.session() as session:
            session.connection().execute(SAVE_LINK, values)  # Core: no ORM work for a plain statement

    def remove_link(self, entity: ErpEntity, psa_guid: str) -> None:
        with self.writes.session() as session:
            session.execute(
                sa.delete(ErpLinkRow).where(ErpLinkRow.entity == entity.value, ErpLinkRow.psa_guid == psa_guid)
            )

    # runs --------------------------------------------------------------------------------

    def record_run(self, report: RunReport) -> None:
        row = ErpRunRow(
            started_at=report.started_at,
            finished_at=report.finished_at,
            dry_run=report.dry_run,
            report=json.dumps(report_to_json(report), sort_keys=True),
        )
        self._record(row)

    def record_run_error(self, started_at: datetime, finished_at: datetime, error: str) -> None:
        """A run that failed as a whole (the ERP unreachable, a mapping wrong): kept for status."""
        self._record(ErpRunRow(started_at=started_at, finished_at=finished_at, error=error))

    def _record(self, row: ErpRunRow) -> None:
        with self._units.write() as session:
            session.add(row)
            session.flush()
            if row.id % PRUNE_EVERY == 0:
                session.execute(sa.delete(ErpRunRow).where(ErpRunRow.id <= row.id - KEEP_RUNS))

    def runs(self, limit: int = 20) -> Sequence[RunReport]:
        return tuple(entry.report for entry in self.run_log(limit) if entry.report is not None)

    def run_log(self, limit: int = 20) -> Sequence[RunEntry]:
        """The latest runs, newest first, failed ones included."""
        with self._units.read() as session:
            rows = session.scalars(sa.select(ErpRunRow).order_by(ErpRunRow.id.desc()).limit(limit))
            return tuple(
                RunEntry(
                    row.started_at,
                    row.finished_at,
                    report_from_json(json.loads(row.report)) if row.report is not None else None,
                    row.error,
                )
                for row in rows
            )

    # the enabled flag --------------------------------------------------------------------

    def is_enabled(self) -> bool:
        with self._units.read() as session:
            return bool(session.scalar(sa.select(ErpStateRow.enabled).where(ErpStateRow.id == 1)))

    def set_enabled(self, enabled: bool) -> None:
        with self._units.write() as session:
            self._state_row(session).enabled = enabled

    # the rules saved on the page ---------------------------------------------------------

    def saved_rules(self) -> str | None:
        """The rules saved on Admin → ERP, as the JSON they were saved as; None: none saved."""
        with self._units.read() as session:
            return session.scalar(sa.select(ErpStateRow.rules).where(ErpStateRow.id == 1))

    def save_rules(self, rules: str | None) -> None:
        """Keep `rules` (JSON) for every run from now on; None goes back to tandem.toml's."""
        with self._units.write() as session:
            self._state_row(session).rules = rules

    @staticmethod
    def _state_row(session: Session) -> ErpStateRow:
        row = session.get(ErpStateRow, 1)
        if row is None:
            row = ErpStateRow(id=1, enabled=False)
            session.add(row)
        return row


def _base(text: str | None) -> BaseSnapshot | None:
    return None if text is None else BaseSnapshot(json.loads(text))


# --- run reports as JSON ---------------------------------------------------------------------


def report_to_json(report: RunReport) -> dict[str, Any]:
    return {
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat(),
        "dry_run": report.dry_run,
        "entities": [
            {
                "entity": e.entity.value,
                "created": list(e.created),
                "updated": list(e.updated),
                "linked": list(e.linked),
                "excluded": [{"key": x.key, "reason": x.reason, "side": x.side.value} for x in e.excluded],
                "failed": [
                    {"key": f.key, "reason": f.reason, "side": f.side.value if f.side else None, "guid": f.psa_guid}
                    for f in e.failed
                ],
            }
            for e in report.entities
        ],
        "conflicts": [
            {
                "entity": c.entity.value,
                "key": c.key,
                "field": c.field,
                "base": c.base_value,
                "psa": c.psa_value,
                "erp": c.erp_value,
                "winner": c.winner.value,
            }
            for c in report.conflicts
        ],
    }


def report_from_json(data: Mapping[str, Any]) -> RunReport:
    return RunReport(
        started_at=datetime.fromisoformat(data["started_at"]),
        finished_at=datetime.fromisoformat(data["finished_at"]),
        dry_run=bool(data["dry_run"]),
        entities=tuple(
            EntityReport(
                entity=ErpEntity(e["entity"]),
                created=tuple(e["created"]),
                updated=tuple(e["updated"]),
                linked=tuple(e["linked"]),
                excluded=tuple(ExcludedItem(x["key"], x["reason"], Side(x["side"])) for x in e["excluded"]),
                failed=tuple(
                    Failure(f["key"], f["reason"], Side(f["side"]) if f["side"] else None, f["guid"])
                    for f in e["failed"]
                ),
            )
            for e in data["entities"]
        ),
        conflicts=tuple(
            Conflict(ErpEntity(c["entity"]), c["key"], c["field"], c["base"], c["psa"], c["erp"], Side(c["winner"]))
            for c in data["conflicts"]
        ),
    )
