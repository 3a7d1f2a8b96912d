"""`VismaBusinessErp`: the ERP port over SQL (SQLAlchemy Core), reads only.

Reads are plain SELECTs of the mapped columns; an incremental read selects rows
whose change stamp is at or after the cursor's minute (the boundary minute again,
on purpose). All writes go through `writer` (an `ErpWriter`), which today is
`SqlErpWriter` and tomorrow may be Visma Business Services.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tandem.connectors.visma_business.errors import translate_errors
from tandem.connectors.visma_business.settings import SeriesColumns, VismaBusinessSettings
from tandem.connectors.visma_business.stamps import datetime_to_stamp, stamp_to_datetime
from tandem.connectors.visma_business.tables import EntityTable, VismaTables, build_tables
from tandem.connectors.visma_business.writer import SqlErpWriter
from tandem.domain.erp import (
    ErpEntity,
    ErpInvoice,
    ErpNumberSeries,
    ErpRecord,
    NumberSeries,
    SideLimits,
)
from tandem.ports.erp import ErpChanges

IN_CHUNK = 500
"""Values per IN (...) list; SQL Server allows 2100 parameters per statement."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def text_or_none(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def key_text(value: object) -> str | None:
    """A key as text; a number that is not positive means "no key" (Visma uses 0)."""
    if isinstance(value, int):
        return str(value) if value > 0 else None
    return text_or_none(value)


def group_text(value: object) -> str | None:
    text = text_or_none(value)
    return None if text in (None, "0") else text


def erp_limits(tables: VismaTables) -> SideLimits:
    """What the mapped columns can hold, read off their declared types."""
    key_lengths: dict[ErpEntity, int] = {}
    field_lengths: dict[ErpEntity, dict[str, int]] = {}
    for entity, spec in tables.entities.items():
        if isinstance(spec.key.type, sa.String) and spec.key.type.length:
            key_lengths[entity] = spec.key.type.length
        field_lengths[entity] = {
            name: column.type.length
            for name, column in spec.fields.items()
            if isinstance(column.type, sa.String) and column.type.length
        }
    numeric = {entity for entity, spec in tables.entities.items() if spec.numeric_key} | {ErpEntity.INVOICE}
    return SideLimits(frozenset(numeric), key_lengths, field_lengths)


class VismaBusinessErp:
    """`ErpPort` for a Visma Business database reachable through SQLAlchemy."""

    has_change_stamps = True

    def __init__(
        self,
        engine: sa.Engine,
        settings: VismaBusinessSettings | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.settings = settings or VismaBusinessSettings()
        self.tables = build_tables(self.settings)
        self.limits = erp_limits(self.tables)
        self._engine = engine
        self.zone = ZoneInfo(self.settings.time_zone)
        self._writer = SqlErpWriter(engine, self.tables, self.settings, clock)

    @property
    def writer(self) -> SqlErpWriter:
        return self._writer

    def read(self, entity: ErpEntity) -> Sequence[ErpRecord]:
        spec = self.tables.entities[entity]
        query = self._select(spec)
        if spec.member is not None:
            query = query.where(spec.member)
        return [self._record(spec, row) for row in self._rows(query)]

    def read_changed(self, entity: ErpEntity, since: datetime) -> ErpChanges:
        spec = self.tables.entities[entity]
        day, minute = datetime_to_stamp(since, self.zone)
        changed = sa.or_(
            spec.changed_date > day,
            sa.and_(spec.changed_date == day, spec.changed_time >= minute),
        )
        records: list[ErpRecord] = []
        gone: list[str] = []
        cursor: datetime | None = since
        for row in self._rows(self._select(spec).where(changed)):
            record = self._record(spec, row)
            if spec.member is not None and record.key is None:
                # An Actor row whose CustNo/EmpNo is no longer positive left the entity.
                # (Tested in Python: SQL Server cannot select a comparison as a column.)
                gone.append(record.row_id)
                continue
            records.append(record)
            if record.changed_at is not None and (cursor is None or record.changed_at > cursor):
                cursor = record.changed_at
        return ErpChanges(tuple(records), tuple(gone), cursor)

    def read_number_series(self) -> ErpNumberSeries:
        return ErpNumberSeries(
            customer=self._series(
                self.tables.customer_series, self.settings.customer_number_series, self.settings.customer_series
            ),
            invoice=self._series(
                self.tables.voucher_series, self.settings.voucher_series, self.settings.invoice_series
            ),
        )

    def read_invoices(self, invoice_numbers: Collection[str]) -> Mapping[str, ErpInvoice]:
        ledger, columns = self.tables.ledger, self.settings.ledger
        numbers = sorted({int(n) for n in invoice_numbers if n.isascii() and n.isdigit()})
        found: dict[str, ErpInvoice] = {}
        for start in range(0, len(numbers), IN_CHUNK):
            query = (
                sa.select(
                    ledger.c[columns.invoice_no],
                    ledger.c[columns.customer_no],
                    sa.func.sum(ledger.c[columns.amount]),
                    sa.func.sum(ledger.c[columns.remaining]),
                )
                .where(ledger.c[columns.invoice_no].in_(numbers[start : start + IN_CHUNK]))
                .group_by(ledger.c[columns.invoice_no], ledger.c[columns.customer_no])
            )
            with translate_errors(), self._engine.connect() as conn:
                for number, customer, amount, remaining in conn.execute(query):
                    found.setdefault(
                        str(number),
                        ErpInvoice(str(number), key_text(customer), Decimal(amount or 0), Decimal(remaining or 0)),
                    )
        return found

    # --- helpers -----------------------------------------------------------------------

    def _rows(self, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
        with translate_errors(), self._engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]

    @staticmethod
    def _select(spec: EntityTable) -> sa.Select[Any]:
        """row id, key, the fields, the Group fields, PSA guid, change date and time: the
        order `_record` reads them in."""
        return sa.select(
            spec.row_id.label("row_id"),
            spec.key.label("key"),
            *(column.label(f"field_{name}") for name, column in spec.fields.items()),
            *(column.label(f"group_{name}") for name, column in spec.groups.items()),
            spec.psa_guid.label("psa_guid"),
            spec.changed_date.label("changed_date"),
            spec.changed_time.label("changed_time"),
        )

    def _record(self, spec: EntityTable, row: tuple[Any, ...]) -> ErpRecord:
        """A row of `_select(spec)`, by position (a full read turns tens of thousands)."""
        fields_end = 2 + len(spec.fields)
        groups_end = fields_end + len(spec.groups)
        groups: dict[str, str] = {}
        for name, value in zip(spec.groups, row[fields_end:groups_end], strict=True):
            text = group_text(value) if value is not None else None
            if text is not None:
                groups[name] = text
        psa_guid, changed_date, changed_time = row[groups_end:]
        return ErpRecord(
            entity=spec.entity,
            row_id=str(row[0]),
            key=key_text(row[1]),
            fields={name: text_or_none(v) for name, v in zip(spec.fields, row[2:fields_end], strict=True)},
            groups=groups,
            psa_guid=text_or_none(psa_guid),
            changed_at=stamp_to_datetime(changed_date, changed_time, self.zone),
        )

    def _series(self, table: sa.Table, columns: SeriesColumns, wanted: Sequence[str]) -> tuple[NumberSeries, ...]:
        query = sa.select(
            table.c[columns.series_no], table.c[columns.first], table.c[columns.last], table.c[columns.description]
        ).order_by(table.c[columns.series_no])
        with translate_errors(), self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return tuple(
            NumberSeries(str(number), int(first), int(last) if last is not None else None, description or "")
            for number, first, last, description in rows
            if not wanted or str(number) in wanted
        )
