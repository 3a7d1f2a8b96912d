"""`SqlErpWriter`: every write Tandem makes to Visma Business, straight into its tables.

Writing into the tables bypasses Visma Business's own logic (ERP.md), so this class
is deliberately small and sits behind `ErpWriter`: an installation that must write
through Visma Business Services (XML over HTTP) replaces this class, nothing else.
Each call is one transaction and stamps ChDt/ChTm/ChUsr, so the ERP's users (and
Tandem's incremental reads) see what changed and who changed it. New row numbers
(ActNo, OrdNo, EntNo) are the table's highest plus one, taken inside the same
transaction.

A run's many writes can share transactions instead (`batch`): one connection and one
transaction for the batch, each item's writes in a savepoint of their own (`item`: a
failing item's ERP writes are rolled back alone), committed when the caller says
(`commit`) — the run commits the ERP's writes before the hub's, see
`tandem.runtime.erp.executor.TwoDatabases`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tandem.connectors.visma_business.errors import translate_errors
from tandem.connectors.visma_business.settings import VismaBusinessSettings
from tandem.connectors.visma_business.stamps import date_to_int, datetime_to_stamp
from tandem.connectors.visma_business.tables import EntityTable, VismaTables
from tandem.domain.erp import ErpEntity, ErpInvoice, ErpInvoiceDraft, ErpRecord, Values
from tandem.domain.errors import AlreadyExists, InvalidRequest, NotFound


class SqlErpWriter:
    """`ErpWriter` over SQL."""

    def __init__(
        self, engine: sa.Engine, tables: VismaTables, settings: VismaBusinessSettings, clock: Callable[[], datetime]
    ) -> None:
        self._engine = engine
        self._tables = tables
        self._settings = settings
        self._clock = clock
        self._zone = ZoneInfo(settings.time_zone)
        self._batching = False
        self._conn: sa.Connection | None = None
        self._updates: dict[tuple[ErpEntity, tuple[str, ...]], sa.Update] = {}
        self._deferred: list[tuple[sa.Update, dict[str, Any]]] | None = None
        self._in_item = False

    # --- batches --------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside share one transaction (opened at the first write), committed by
        `commit` and at the end; rolled back when an error escapes the batch."""
        self._batching = True
        try:
            yield
        except BaseException:
            self._close(commit=False)
            raise
        else:
            self._close(commit=True)
        finally:
            self._batching = False

    @contextmanager
    def item(self) -> Iterator[None]:
        """One item of a batch: its writes all, or none (a savepoint)."""
        if not self._batching:
            yield
            return
        with translate_errors():
            savepoint = self._batch_connection().begin_nested()
        self._in_item = True
        try:
            yield  # what the item raises is not the ERP's to translate (the hub's, say)
        except BaseException:
            with translate_errors():
                savepoint.rollback()
            raise
        else:
            with translate_errors():
                savepoint.commit()
        finally:
            self._in_item = False

    @contextmanager
    def chunk(self, items: int) -> Iterator[None]:
        """Several items of a batch at once: their writes all, or none (one savepoint). Row
        updates go to the database together as the chunk ends (one round trip for many on a
        server database), where the driver says how many rows they changed in all: fewer
        than asked means a row is gone, and the chunk fails (its items then go one by one,
        and the one whose row is gone says so)."""
        with self.item():
            if not self._batch_connection().dialect.supports_sane_multi_rowcount:
                yield
                return
            self._deferred = []
            try:
                yield
                self._flush_deferred()
            finally:
                self._deferred = None

    def _flush_deferred(self) -> None:
        if not self._deferred:
            return
        conn = self._batch_connection()
        for statement, group in itertools.groupby(self._deferred, key=lambda update: update[0]):
            parameters = [each for _, each in group]
            with translate_errors():
                changed = conn.execute(statement, parameters).rowcount
            if changed != len(parameters):
                raise NotFound(f"{len(parameters) - changed} of {len(parameters)} ERP rows to update are not there")

    def commit(self) -> None:
        """Commit the batch's writes so far (the next write opens a new transaction)."""
        self._close(commit=True)

    def _batch_connection(self) -> sa.Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
            self._conn.begin()
        return self._conn

    def _close(self, *, commit: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            with translate_errors():
                if commit:
                    conn.commit()
                else:
                    conn.rollback()
        finally:
            conn.close()

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        """Where one write goes: a transaction of its own, or the open batch's (in a
        savepoint of its own unless its item has one)."""
        with translate_errors():
            if not self._batching:
                with self._engine.begin() as conn:
                    yield conn
                return
            conn = self._batch_connection()
            if self._in_item:
                yield conn
                return
            with conn.begin_nested():
                yield conn

    def create(self, entity: ErpEntity, key: str, values: Values, psa_guid: str | None) -> ErpRecord:
        spec = self._tables.entities[entity]
        now = self._clock()
        row: dict[str, Any] = {spec.key.name: _key_value(spec.key, key), spec.psa_guid.name: psa_guid}
        row.update(self._columns(spec, values))
        row.update(self._stamp(spec, now))
        with self._begin() as conn:
            taken = sa.select(spec.row_id).where(spec.key == row[spec.key.name])
            if spec.member is not None:
                taken = taken.where(spec.member)
            if conn.execute(taken.limit(1)).first() is not None:
                raise AlreadyExists(f"the ERP already has {entity} {key}")
            if spec.row_id is not spec.key:
                row[spec.row_id.name] = _next_number(conn, spec.row_id)
            conn.execute(sa.insert(spec.table).values(row))
        return ErpRecord(
            entity=entity,
            row_id=str(row[spec.row_id.name]),
            key=key,
            fields=dict(values),
            psa_guid=psa_guid,
            changed_at=now.replace(second=0, microsecond=0),
        )

    def update(self, entity: ErpEntity, row_id: str, values: Values) -> None:
        spec = self._tables.entities[entity]
        self._update(spec, row_id, {**self._columns(spec, values), **self._stamp(spec, self._clock())})

    def store_psa_guid(self, entity: ErpEntity, row_id: str, psa_guid: str) -> None:
        spec = self._tables.entities[entity]
        self._update(spec, row_id, {spec.psa_guid.name: psa_guid, **self._stamp(spec, self._clock())})

    def set_key(self, entity: ErpEntity, row_id: str, key: str) -> None:
        spec = self._tables.entities[entity]
        if spec.row_id is spec.key:
            raise InvalidRequest(
                f"ERP {entity} rows are found by their key ({spec.key.name}); change it in Visma Business itself"
            )
        if spec.numeric_key and not (key.isascii() and key.isdigit() and int(key) > 0):
            raise InvalidRequest(f"the ERP needs a positive number as the key, not {key!r}")
        value = _key_value(spec.key, key)
        with self._begin() as conn:
            taken = sa.select(spec.row_id).where(spec.key == value)
            if spec.member is not None:
                taken = taken.where(spec.member)
            if conn.execute(taken.limit(1)).first() is not None:
                raise AlreadyExists(f"the ERP already has {entity} {key}")
        self._update(spec, row_id, {spec.key.name: value, **self._stamp(spec, self._clock())})

    def create_invoice(self, draft: ErpInvoiceDraft) -> ErpInvoice:
        """Book a PSA invoice: an order (Ord) with one line (OrdLn) and a customer-ledger entry."""
        tables, ledger = self._tables, self._settings.ledger
        number = _number(draft.invoice_number)
        remaining = Decimal(0) if draft.already_paid else draft.total
        day, minute = datetime_to_stamp(self._clock(), self._zone)
        change = self._settings.change
        stamp = {change.date: day, change.time: minute, change.user: self._settings.change_user}
        with self._begin() as conn:
            booked = sa.select(tables.ledger.c[ledger.invoice_no]).where(tables.ledger.c[ledger.invoice_no] == number)
            if conn.execute(booked.limit(1)).first() is not None:
                raise AlreadyExists(f"invoice {number} is already in the ERP's customer ledger")
            order_no = _next_number(conn, tables.orders.c[self._settings.order.order_no])
            conn.execute(sa.insert(tables.orders).values({**self._order_row(draft, order_no), **stamp}))
            conn.execute(sa.insert(tables.order_lines).values({**self._line_row(draft, order_no), **stamp}))
            entry_no = _next_number(conn, tables.ledger.c[ledger.entry_no])
            conn.execute(sa.insert(tables.ledger).values({**self._ledger_row(draft, entry_no, remaining), **stamp}))
        return ErpInvoice(draft.invoice_number, draft.customer_key, draft.total, remaining)

    def _order_row(self, draft: ErpInvoiceDraft, order_no: int) -> dict[str, Any]:
        order = self._settings.order
        project = draft.project_key or ""
        return {
            order.order_no: order_no,
            order.customer_no: _number(draft.customer_key),
            order.invoice_no: _number(draft.invoice_number),
            order.order_date: date_to_int(draft.invoice_date),
            # The project is an organisational unit: its R-table column on the order.
            self._settings.projects_table: int(project) if project.isascii() and project.isdigit() else 0,
            self._settings.psa_guid_field: draft.psa_guid,
        }

    def _line_row(self, draft: ErpInvoiceDraft, order_no: int) -> dict[str, Any]:
        order = self._settings.order
        return {
            order.order_no: order_no,
            order.line_no: 1,
            order.line_product_no: self._settings.invoice_product_no,
            order.line_description: f"PSA invoice {draft.invoice_number}",
            order.line_quantity: 1,
            order.line_price: draft.total,
        }

    def _ledger_row(self, draft: ErpInvoiceDraft, entry_no: int, remaining: Decimal) -> dict[str, Any]:
        ledger = self._settings.ledger
        number = _number(draft.invoice_number)
        return {
            ledger.entry_no: entry_no,
            ledger.customer_no: _number(draft.customer_key),
            ledger.voucher_no: number,
            ledger.voucher_date: date_to_int(draft.invoice_date),
            ledger.invoice_no: number,
            ledger.amount: draft.total,
            ledger.remaining: remaining,
        }

    # --- helpers -----------------------------------------------------------------------

    def _update(self, spec: EntityTable, row_id: str, row: dict[str, Any]) -> None:
        statement = self._update_statement(spec, tuple(row))
        parameters = {ROW: _key_value(spec.row_id, row_id), **{f"v_{name}": value for name, value in row.items()}}
        if self._deferred is not None:
            self._deferred.append((statement, parameters))
            return
        with self._begin() as conn:
            if conn.execute(statement, parameters).rowcount == 0:
                raise NotFound(f"ERP {spec.entity} row {row_id} is not there")

    def _update_statement(self, spec: EntityTable, columns: tuple[str, ...]) -> sa.Update:
        """The UPDATE of these columns of one row, built once and kept: SQLAlchemy then
        finds its compiled form without working out its cache key again (a first run
        stores thousands of PSA guids)."""
        key = (spec.entity, columns)
        statement = self._updates.get(key)
        if statement is None:
            statement = (
                sa.update(spec.table)
                .where(spec.row_id == sa.bindparam(ROW))
                .values({name: sa.bindparam(f"v_{name}") for name in columns})
            )
            if spec.member is not None:
                statement = statement.where(spec.member)
            self._updates[key] = statement
        return statement

    @staticmethod
    def _columns(spec: EntityTable, values: Values) -> dict[str, Any]:
        unknown = set(values) - set(spec.fields)
        if unknown:
            raise InvalidRequest(f"ERP {spec.entity} has no field(s) {sorted(unknown)}")
        return {spec.fields[name].name: value for name, value in values.items()}

    def _stamp(self, spec: EntityTable, now: datetime) -> dict[str, Any]:
        day, minute = datetime_to_stamp(now, self._zone)
        return {
            spec.changed_date.name: day,
            spec.changed_time.name: minute,
            spec.changed_user.name: self._settings.change_user,
        }


ROW = "row_id_"
"""The bound parameter of the row an UPDATE changes (apart from the columns' `v_<name>`)."""


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise InvalidRequest(f"{text!r} is not a number the ERP can store")
    return int(text)


def _key_value(column: sa.Column[Any], text: str) -> object:
    return text if isinstance(column.type, sa.String) else _number(text)


def _next_number(conn: sa.Connection, column: sa.Column[Any]) -> int:
    highest = conn.execute(sa.select(sa.func.max(column))).scalar()
    return int(highest or 0) + 1
