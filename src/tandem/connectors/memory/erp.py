"""`ErpPort` and its `ErpWriter` over dictionaries, keeping the rules the Visma Business
adapter keeps.

Every write stamps `changed_at` with the clock's minute (ChDt/ChTm name a minute), so an
incremental read takes the boundary minute again. Customers and employees are roles of
an actor row: a row whose number is cleared (`leave`) is no longer read as one and is
reported in `gone_row_ids`, and a writer's update of it is refused as the SQL writer
refuses it. Keys of numeric entities must be numbers; fields must be the entity's own.
Both pass the same contract suite (tests/support/erp_contract.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tandem.domain.erp import (
    ErpEntity,
    ErpInvoice,
    ErpInvoiceDraft,
    ErpNumberSeries,
    ErpRecord,
    SideLimits,
    Values,
)
from tandem.domain.errors import AlreadyExists, InvalidRequest, NotFound
from tandem.ports.erp import ErpChanges, ErpWriter

C, E, D, P, J = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.DEPARTMENT, ErpEntity.PRODUCT, ErpEntity.PROJECT

ERP_LIMITS = SideLimits(
    numeric_keys=frozenset({C, E, D, J, ErpEntity.INVOICE}),
    key_max_length={P: 20},
    field_max_length={C: {"name": 50, "email": 80}, E: {"name": 50, "email": 80}, D: {"name": 30}, J: {"name": 30}},
)
"""What the Visma Business columns hold by default: numbers for customers, employees,
departments, projects and invoices; product codes up to 20 characters."""

ACTOR_ROLES = frozenset({C, E})
"""Entities that are a role of an actor row: a row without the role's number is not one."""

FIELDS: Mapping[ErpEntity, frozenset[str]] = {
    C: frozenset({"name", "email"}),
    E: frozenset({"name", "email"}),
    D: frozenset({"name"}),
    P: frozenset({"name"}),
    J: frozenset({"name"}),
}


class MemoryErp:
    """An ERP in memory: reads, the writer (itself), and an ERP user's edits.

    `now` is the ERP's clock (`tick` moves it); `series` its number series; `refuse`
    keys whose writes it refuses (a record the ERP will not take); `writes` counts the
    writer's calls that changed something."""

    has_change_stamps = True

    def __init__(
        self, records: Iterable[ErpRecord] = (), *, now: datetime | None = None, limits: SideLimits = ERP_LIMITS
    ) -> None:
        self.limits = limits
        self.now = now or datetime.now(UTC)
        self.rows: dict[ErpEntity, dict[str, ErpRecord]] = {entity: {} for entity in ErpEntity}
        for record in records:
            self.rows[record.entity][record.row_id] = record
        self.invoices: dict[str, ErpInvoice] = {}
        self.booked: list[ErpInvoiceDraft] = []
        self.series = ErpNumberSeries()
        self.refuse: set[str] = set()
        self.writes = 0
        self._next_row = 1000

    @property
    def writer(self) -> ErpWriter:
        return self

    def tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)

    # ------------------------------------------------------------------ reads

    def read(self, entity: ErpEntity) -> Sequence[ErpRecord]:
        return [r for r in self.rows[entity].values() if _member(r)]

    def read_changed(self, entity: ErpEntity, since: datetime) -> ErpChanges:
        floor = since.replace(second=0, microsecond=0)
        changed = [r for r in self.rows[entity].values() if r.changed_at is not None and r.changed_at >= floor]
        records = tuple(r for r in changed if _member(r))
        gone = tuple(r.row_id for r in changed if not _member(r))
        latest = max((r.changed_at for r in records if r.changed_at is not None), default=since)
        return ErpChanges(records, gone, max(latest, since))

    def read_number_series(self) -> ErpNumberSeries:
        return self.series

    def read_invoices(self, invoice_numbers: Collection[str]) -> Mapping[str, ErpInvoice]:
        return {n: self.invoices[n] for n in invoice_numbers if n in self.invoices}

    # ------------------------------------------------------------------ the writer

    def create(self, entity: ErpEntity, key: str, values: Values, psa_guid: str | None) -> ErpRecord:
        self._check(entity, key, values)
        if any(r.key == key for r in self.read(entity)):
            raise AlreadyExists(f"the ERP already has {entity} {key}")
        self._next_row += 1
        row_id = f"new-{self._next_row}" if entity in ACTOR_ROLES else key
        record = ErpRecord(entity, row_id, key, dict(values), {}, psa_guid, self._stamp())
        self.rows[entity][record.row_id] = record
        self.writes += 1
        return record

    def update(self, entity: ErpEntity, row_id: str, values: Values) -> None:
        current = self._get(entity, row_id)
        self._check(entity, current.key, values)
        self.rows[entity][row_id] = replace(current, fields={**current.fields, **values}, changed_at=self._stamp())
        self.writes += 1

    def store_psa_guid(self, entity: ErpEntity, row_id: str, psa_guid: str) -> None:
        current = self._get(entity, row_id)
        self._check(entity, current.key, {})
        self.rows[entity][row_id] = replace(current, psa_guid=psa_guid, changed_at=self._stamp())
        self.writes += 1

    def set_key(self, entity: ErpEntity, row_id: str, key: str) -> None:
        current = self._get(entity, row_id)
        if entity not in ACTOR_ROLES:
            raise InvalidRequest(f"ERP {entity} rows are found by their key; change it in the ERP itself")
        self._check(entity, key, {})
        if any(r.key == key for r in self.read(entity)):
            raise AlreadyExists(f"the ERP already has {entity} {key}")
        self.rows[entity][row_id] = replace(current, key=key, changed_at=self._stamp())
        self.writes += 1

    def create_invoice(self, draft: ErpInvoiceDraft) -> ErpInvoice:
        for number in (draft.invoice_number, draft.customer_key):
            _number(number)
        if draft.invoice_number in self.refuse:
            raise InvalidRequest(f"the ERP refuses {draft.invoice_number}")
        if draft.invoice_number in self.invoices:
            raise AlreadyExists(f"invoice {draft.invoice_number} is already in the ERP's customer ledger")
        remaining = Decimal(0) if draft.already_paid else draft.total
        invoice = ErpInvoice(draft.invoice_number, draft.customer_key, draft.total, remaining)
        self.invoices[draft.invoice_number] = invoice
        self.booked.append(draft)
        self.writes += 1
        return invoice

    # ------------------------------------------------------------------ an ERP user's edits

    def edit(self, entity: ErpEntity, key: str, *, new_key: str | None = None, **changes: object) -> ErpRecord:
        """Fields (`name`, `email`), `groups` and the key, as someone in the ERP changes them."""
        current = self.by_key(entity, key)
        fields = {**current.fields, **{k: _text(v) for k, v in changes.items() if k in FIELDS[entity]}}
        groups = changes.get("groups", current.groups)
        if not isinstance(groups, Mapping):
            raise TypeError("groups must be a mapping")
        record = replace(
            current, key=new_key or current.key, fields=fields, groups=dict(groups), changed_at=self._stamp()
        )
        self.rows[entity][current.row_id] = record
        return record

    def leave(self, entity: ErpEntity, row_id: str) -> None:
        """The row's number for this role is cleared (an actor that is no longer a customer)."""
        current = self._get(entity, row_id)
        self.rows[entity][row_id] = replace(current, key=None, changed_at=self._stamp())

    def by_key(self, entity: ErpEntity, key: str) -> ErpRecord:
        found = [r for r in self.rows[entity].values() if r.key == key]
        if not found:
            raise NotFound(f"no ERP {entity} {key}")
        return found[0]

    # ------------------------------------------------------------------ helpers

    def _check(self, entity: ErpEntity, key: str | None, values: Values) -> None:
        if key is not None and key in self.refuse:
            raise InvalidRequest(f"the ERP refuses {key}")
        if key is not None and entity in self.limits.numeric_keys:
            _number(key)
        unknown = set(values) - FIELDS[entity]
        if unknown:
            raise InvalidRequest(f"ERP {entity} has no field(s) {sorted(unknown)}")

    def _get(self, entity: ErpEntity, row_id: str) -> ErpRecord:
        record = self.rows[entity].get(row_id)
        if record is None or not _member(record):
            raise NotFound(f"ERP {entity} row {row_id} is not there")
        return record

    def _stamp(self) -> datetime:
        return self.now.replace(second=0, microsecond=0)


def _member(record: ErpRecord) -> bool:
    return record.entity not in ACTOR_ROLES or record.key is not None


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise InvalidRequest(f"{text!r} is not a number the ERP can store")
    return int(text)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
