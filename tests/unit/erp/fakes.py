"""Small hand-written stand-ins for the pure-core and runtime tests: record builders and
an in-memory ERP (reads + writer) that behaves like the SQL adapter where it matters."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tandem.domain.erp import (
    BaseSnapshot,
    ErpEntity,
    ErpInvoice,
    ErpInvoiceDraft,
    ErpLink,
    ErpNumberSeries,
    ErpRecord,
    ErpRules,
    PsaRecord,
    SideLimits,
    Values,
    default_rules,
)
from tandem.domain.errors import AlreadyExists, InvalidRequest, NotFound
from tandem.erp import ErpPlan, PlanInputs, plan
from tandem.erp.names import split_full_name
from tandem.ports.erp import ErpChanges, ErpWriter
from tandem.runtime.erp.memory import PSA_LIMITS

T0 = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
TODAY = date(2025, 3, 1)

C, E, D, P, J = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.DEPARTMENT, ErpEntity.PRODUCT, ErpEntity.PROJECT

ERP_LIMITS = SideLimits(
    numeric_keys=frozenset({C, E, D, J, ErpEntity.INVOICE}),
    key_max_length={P: 20},
    field_max_length={C: {"name": 50, "email": 80}, E: {"name": 50, "email": 80}, D: {"name": 30}, J: {"name": 30}},
)


def erp(
    entity: ErpEntity,
    key: str | None,
    name: str,
    *,
    email: str | None = None,
    row: str | None = None,
    groups: Mapping[str, str] | None = None,
    guid: str | None = None,
    at: datetime | None = T0,
) -> ErpRecord:
    fields: dict[str, str | None] = {"name": name}
    if entity in (C, E):
        fields["email"] = email
    return ErpRecord(entity, row or f"row-{key}", key, fields, dict(groups or {}), guid, at)


def psa(
    entity: ErpEntity,
    key: str | None,
    name: str,
    *,
    guid: str | None = None,
    email: str | None = None,
    at: datetime | None = T0,
    **extra: str | None,
) -> PsaRecord:
    fields: dict[str, str | None]
    if entity is E:
        first, last = split_full_name(name)
        fields = {"first_name": first, "last_name": last, "email": email}
    else:
        fields = {"name": name}
        if entity is C:
            fields["email"] = email
    fields.update(extra)
    return PsaRecord(entity, guid or f"g-{entity}-{key or name}", key, fields, at)


def link(entity: ErpEntity, guid: str, key: str, **base: str | None) -> ErpLink:
    return ErpLink(entity, guid, key, BaseSnapshot(dict(base)) if base else None, T0)


def inputs(
    erp_records: Sequence[ErpRecord] = (),
    psa_records: Sequence[PsaRecord] = (),
    links: Sequence[ErpLink] = (),
    rules: ErpRules | None = None,
    **kwargs: object,
) -> PlanInputs:
    by_entity_erp: dict[ErpEntity, list[ErpRecord]] = {}
    for record in erp_records:
        by_entity_erp.setdefault(record.entity, []).append(record)
    by_entity_psa: dict[ErpEntity, list[PsaRecord]] = {}
    for psa_record in psa_records:
        by_entity_psa.setdefault(psa_record.entity, []).append(psa_record)
    by_entity_links: dict[ErpEntity, dict[str, ErpLink]] = {}
    for one in links:
        by_entity_links.setdefault(one.entity, {})[one.psa_guid] = one
    return PlanInputs(
        erp_records=by_entity_erp,
        psa_records=by_entity_psa,
        links=by_entity_links,
        rules=rules or default_rules(),
        erp_limits=ERP_LIMITS,
        psa_limits=PSA_LIMITS,
        today=TODAY,
        **kwargs,  # type: ignore[arg-type]
    )


def plan_for(*args: object, **kwargs: object) -> ErpPlan:
    return plan(inputs(*args, **kwargs))  # type: ignore[arg-type]


class FakeErp:
    """ErpPort and ErpWriter over dictionaries, stamping changes from a clock."""

    has_change_stamps = True

    def __init__(self, records: Sequence[ErpRecord] = (), *, now: datetime = T0) -> None:
        self.limits = ERP_LIMITS
        self.now = now
        self.rows: dict[ErpEntity, dict[str, ErpRecord]] = {entity: {} for entity in ErpEntity}
        for record in records:
            self.rows[record.entity][record.row_id] = record
        self.invoices: dict[str, ErpInvoice] = {}
        self.booked: list[ErpInvoiceDraft] = []
        self.series = ErpNumberSeries()
        self.refuse: set[str] = set()
        """Keys whose writes the fake refuses (a record the ERP will not take)."""
        self.writes = 0
        self._next_row = 1000

    @property
    def writer(self) -> ErpWriter:
        return self

    def tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)

    # reads
    def read(self, entity: ErpEntity) -> Sequence[ErpRecord]:
        return list(self.rows[entity].values())

    def read_changed(self, entity: ErpEntity, since: datetime) -> ErpChanges:
        floor = since.replace(second=0, microsecond=0)
        changed = [r for r in self.rows[entity].values() if r.changed_at is not None and r.changed_at >= floor]
        latest = max((r.changed_at for r in changed if r.changed_at), default=since)
        return ErpChanges(tuple(changed), (), latest)

    def read_number_series(self) -> ErpNumberSeries:
        return self.series

    def read_invoices(self, invoice_numbers: Collection[str]) -> Mapping[str, ErpInvoice]:
        return {n: self.invoices[n] for n in invoice_numbers if n in self.invoices}

    # writes
    def _check(self, key: str | None) -> None:
        if key in self.refuse:
            raise InvalidRequest(f"the ERP refuses {key}")

    def create(self, entity: ErpEntity, key: str, values: Values, psa_guid: str | None) -> ErpRecord:
        self._check(key)
        if any(r.key == key for r in self.rows[entity].values()):
            raise AlreadyExists(key)
        self._next_row += 1
        record = ErpRecord(entity, f"new-{self._next_row}", key, dict(values), {}, psa_guid, self._stamp())
        self.rows[entity][record.row_id] = record
        self.writes += 1
        return record

    def update(self, entity: ErpEntity, row_id: str, values: Values) -> None:
        current = self._get(entity, row_id)
        self._check(current.key)
        self.rows[entity][row_id] = replace(current, fields={**current.fields, **values}, changed_at=self._stamp())
        self.writes += 1

    def store_psa_guid(self, entity: ErpEntity, row_id: str, psa_guid: str) -> None:
        current = self._get(entity, row_id)
        self._check(current.key)
        self.rows[entity][row_id] = replace(current, psa_guid=psa_guid, changed_at=self._stamp())
        self.writes += 1

    def create_invoice(self, draft: ErpInvoiceDraft) -> ErpInvoice:
        self._check(draft.invoice_number)
        if draft.invoice_number in self.invoices:
            raise AlreadyExists(draft.invoice_number)
        remaining = Decimal(0) if draft.already_paid else draft.total
        invoice = ErpInvoice(draft.invoice_number, draft.customer_key, draft.total, remaining)
        self.invoices[draft.invoice_number] = invoice
        self.booked.append(draft)
        self.writes += 1
        return invoice

    # an ERP user's edits
    def edit(self, entity: ErpEntity, key: str, *, new_key: str | None = None, **changes: object) -> ErpRecord:
        current = next(r for r in self.rows[entity].values() if r.key == key)
        fields = {**current.fields, **{k: v for k, v in changes.items() if k in ("name", "email")}}
        groups = changes.get("groups", current.groups)
        record = replace(
            current,
            key=new_key or current.key,
            fields=fields,
            groups=groups,  # type: ignore[arg-type]
            changed_at=self._stamp(),
        )
        self.rows[entity][current.row_id] = record
        return record

    def by_key(self, entity: ErpEntity, key: str) -> ErpRecord:
        return next(r for r in self.rows[entity].values() if r.key == key)

    def _get(self, entity: ErpEntity, row_id: str) -> ErpRecord:
        try:
            return self.rows[entity][row_id]
        except KeyError:
            raise NotFound(row_id) from None

    def _stamp(self) -> datetime:
        return self.now.replace(second=0, microsecond=0)
