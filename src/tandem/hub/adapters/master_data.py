"""The hub as the ERP integration's PSA side (`tandem.ports.erp.PsaMasterDataPort`), in-process.

What the ERP calls an entity, the hub keeps in these registers (`REGISTERS`):

    department  business units   key: code        name
    product     products         key: code        name            (kind "product")
                work types       key: code        name            (kind "work_type")
    employee    users            key: code        first_name, last_name, email
    customer    customers        key: number      name, email
    project     projects         key: number      name

The hub has no travel-expense register, so a product of kind "travel_expense" is refused.
Every write goes through `masters.save`, so validation, uniqueness and the number series
hold for the ERP as for any other writer; the hub's refusals become Tandem's errors at one
place (`hub.adapters.errors.translated`), which the runner records as the record's failure with the reason.

A project needs a customer and an owner in the hub, and the ERP's project table has
neither (a project's customer, business unit and owner do not transfer): projects that
come from the ERP get `ProjectDefaults` — the customer and owner the admin named in
`[erp]`, else the organisation's internal customer and its first active admin.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain import errors
from tandem.domain.erp import CreateRefusal, ErpEntity, PsaInvoice, PsaNumberSeries, PsaRecord, SideLimits, Values
from tandem.hub.adapters.errors import translated
from tandem.hub.models import Customer, Invoice, InvoiceStatus, Project, User
from tandem.hub.services import counters, entities, lookup, masters
from tandem.hub.services.errors import ItemNotFound
from tandem.hub.services.masters import EntityRules
from tandem.store.db import Database
from tandem.store.erp_state import ItemWrites


@dataclass(frozen=True, slots=True)
class Register:
    """One hub table holding (part of) an ERP entity: its rules, key column and fields."""

    rules: EntityRules
    key: str
    fields: Mapping[str, str]
    """PsaRecord field name → the model's attribute."""
    kind: str | None = None
    """Products only: which kind of product this register holds."""

    @property
    def numeric_key(self) -> bool:
        return self.key == "number"


NAME = {"name": "name"}
REGISTERS: Mapping[ErpEntity, tuple[Register, ...]] = {
    ErpEntity.DEPARTMENT: (Register(entities.BUSINESS_UNITS, "code", NAME),),
    ErpEntity.PRODUCT: (
        Register(entities.PRODUCTS, "code", NAME, kind="product"),
        Register(entities.WORK_TYPES, "code", NAME, kind="work_type"),
    ),
    ErpEntity.EMPLOYEE: (
        Register(entities.USERS, "code", {"first_name": "first_name", "last_name": "last_name", "email": "email"}),
    ),
    ErpEntity.CUSTOMER: (Register(entities.CUSTOMERS, "number", {"name": "name", "email": "email"}),),
    ErpEntity.PROJECT: (Register(entities.PROJECTS, "number", NAME),),
}


def _length(rules: EntityRules, attribute: str) -> int | None:
    """What the hub takes in `attribute`: the column's length or the rule's, the smaller."""
    column_length = getattr(rules.model.__table__.c[attribute].type, "length", None)
    found = [n for n in (column_length, rules.max_lengths.get(attribute)) if n]
    return min(found) if found else None


def hub_limits() -> SideLimits:
    """The hub's capabilities, read off its tables and rules (numbers are BIGINT)."""
    key_lengths: dict[ErpEntity, int] = {}
    field_lengths: dict[ErpEntity, dict[str, int]] = {}
    for entity, registers in REGISTERS.items():
        keys = [_length(r.rules, r.key) for r in registers if not r.numeric_key]
        if keys and all(keys):
            key_lengths[entity] = min(n for n in keys if n)
        lengths: dict[str, int] = {}
        for register in registers:
            for name, attribute in register.fields.items():
                length = _length(register.rules, attribute)
                if length is not None:
                    lengths[name] = min(length, lengths.get(name, length))
        if entity is ErpEntity.EMPLOYEE:
            # The core checks the full name; it splits into first and last name on its last
            # space, so a full name up to the shorter of the two always fits.
            lengths["name"] = min(lengths.pop("first_name"), lengths.pop("last_name"))
        field_lengths[entity] = lengths
    numeric = {e for e, registers in REGISTERS.items() if registers[0].numeric_key} | {ErpEntity.INVOICE}
    return SideLimits(frozenset(numeric), key_lengths, field_lengths)


@dataclass(frozen=True, slots=True)
class ProjectDefaults:
    """Customer (by number) and owner (by user code) of projects that come from the ERP."""

    customer_number: int | None = None
    owner_code: str | None = None


def _key_text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class HubMasterData:
    """`PsaMasterDataPort` over the hub's database and services."""

    def __init__(
        self, db: Database, *, project_defaults: ProjectDefaults | None = None, writes: ItemWrites | None = None
    ) -> None:
        self.db = db
        self.limits = hub_limits()
        self.project_defaults = project_defaults or ProjectDefaults()
        self.writes = writes or ItemWrites(db)

    # reads -------------------------------------------------------------------------------

    def list(self, entity: ErpEntity) -> Sequence[PsaRecord]:
        with translated(f"{entity} list"), self.db.read() as session:
            return [record for register in REGISTERS[entity] for record in _records(session, entity, register)]

    def number_series(self) -> PsaNumberSeries:
        with translated("organisation settings"), self.db.read() as session:
            org = counters.settings(session)
            return PsaNumberSeries(
                next_customer_number=org.next_customer_number,
                last_customer_number=org.last_customer_number,
                next_invoice_number=org.next_invoice_number,
                last_invoice_number=org.last_invoice_number,
                next_project_number=org.next_project_number,
                last_project_number=org.last_project_number,
            )

    def list_invoices(self) -> Sequence[PsaInvoice]:
        query = (
            sa.select(
                Invoice.guid,
                Invoice.number,
                Customer.number,
                Project.number,
                Invoice.date,
                Invoice.total_excluding_tax + Invoice.total_tax,
                InvoiceStatus.is_sent,
                InvoiceStatus.is_paid,
            )
            .join(Customer, Invoice.customer_id == Customer.id)
            .outerjoin(Project, Invoice.project_id == Project.id)
            .join(InvoiceStatus, Invoice.status_id == InvoiceStatus.id)
            .order_by(Invoice.id)
        )
        with translated("invoice list"), self.db.read() as session:
            return [
                PsaInvoice(
                    guid=guid,
                    number=_key_text(number),
                    customer_key=_key_text(customer),
                    project_key=_key_text(project),
                    invoice_date=day,
                    total=total,
                    # A hub invoice is numbered when made; it is issued once sent (or paid).
                    is_draft=not (sent or paid),
                    is_paid=paid,
                )
                for guid, number, customer, project, day, total, sent, paid in session.execute(query)
            ]

    # writes ------------------------------------------------------------------------------

    def create(self, entity: ErpEntity, key: str, fields: Values) -> PsaRecord:
        with translated(f"new {entity} {key}"), self.writes.session() as session:
            register = _register_for_new(entity, fields)
            values = {**_values(register, fields), register.key: _key_value(register, key)}
            if entity is ErpEntity.PROJECT:
                references = self.writes.scope.get(ProjectDefaults) or self._project_references(session)
                if self.writes.atomic_items and not isinstance(references, CreateRefusal):
                    self.writes.scope[ProjectDefaults] = references  # the same for every project of the run
                if isinstance(references, CreateRefusal):
                    raise errors.InvalidRequest(references.reason)
                values.update(references)
            # in a chunk the new row waits for the chunk's end, with the others (`ItemWrites.chunk`)
            row = masters.save(session, register.rules, None, values, flush=not self.writes.deferring)
            return _record(entity, register, row)

    def update(self, entity: ErpEntity, guid: str, fields: Values) -> PsaRecord:
        with translated(f"{entity} {guid}"), self.writes.session() as session:
            register, row = _find(session, entity, guid)
            row = masters.save(session, register.rules, row, _values(register, fields))
            return _record(entity, register, row)

    def set_key(self, entity: ErpEntity, guid: str, key: str) -> PsaRecord:
        """The admin's fix of a duplicate or unfit key (`tandem erp set-key --psa-guid`)."""
        with translated(f"{entity} {guid}"), self.writes.session() as session:
            register, row = _find(session, entity, guid)
            row = masters.save(session, register.rules, row, {register.key: _key_value(register, key)})
            return _record(entity, register, row)

    def mark_invoice_paid(self, guid: str, paid_on: date) -> None:
        with translated(f"invoice {guid}"), self.writes.session() as session:
            row = lookup.get(session, Invoice, guid, "invoice")
            paid = session.scalar(
                sa.select(InvoiceStatus).where(InvoiceStatus.is_paid.is_(True)).order_by(InvoiceStatus.id).limit(1)
            )
            if paid is None:
                raise errors.InvalidRequest("the PSA has no invoice status that means paid")
            masters.save(session, entities.INVOICES, row, {"status_guid": paid.guid, "payment_date": paid_on})

    def cannot_create(self) -> Mapping[ErpEntity, CreateRefusal]:
        with translated("project defaults"), self.db.read() as session:
            references = self._project_references(session)
        return {ErpEntity.PROJECT: references} if isinstance(references, CreateRefusal) else {}

    def _project_references(self, session: Session) -> dict[str, str] | CreateRefusal:
        """The customer and owner a project from the ERP gets, or why there are none."""
        defaults = self.project_defaults
        if defaults.customer_number is not None:
            customer = session.scalar(sa.select(Customer.guid).where(Customer.number == defaults.customer_number))
            if customer is None:
                return _no_customer(session, f"[erp] project_customer = {defaults.customer_number} names no customer")
        else:
            customer = session.scalar(
                sa.select(Customer.guid).where(Customer.is_internal.is_(True)).order_by(Customer.id).limit(1)
            )
            if customer is None:
                return _no_customer(session, "[erp] project_customer is not set and no customer is internal")
        owner_query = (
            sa.select(User.guid).where(User.code == defaults.owner_code, User.is_active.is_(True))
            if defaults.owner_code is not None
            else sa.select(User.guid).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id)
        )
        owner = session.scalar(owner_query.limit(1))
        if owner is None:
            named = (
                f"[erp] project_owner = {defaults.owner_code!r} names no active user"
                if defaults.owner_code is not None
                else "[erp] project_owner is not set and no active user is an admin"
            )
            code = session.scalar(sa.select(User.code).where(User.code.is_not(None), User.is_active.is_(True)).limit(1))
            fix = f'set [erp] project_owner = "{code}" (or another user\'s code) in tandem.toml' if code else ""
            return CreateRefusal(f"a PSA project needs an owner: {named}", fix)
        return {"customer_guid": customer, "owner_guid": owner}


def _no_customer(session: Session, named: str) -> CreateRefusal:
    """A project from the ERP has no customer to get; the fix names a customer that exists."""
    first = session.execute(
        sa.select(Customer.number, Customer.name).where(Customer.is_active.is_(True)).order_by(Customer.number).limit(1)
    ).first()
    fix = (
        f"set [erp] project_customer = {first.number} ({first.name}, or another customer's number) in tandem.toml"
        if first is not None
        else "the PSA has no customers: create one, then set [erp] project_customer to its number in tandem.toml"
    )
    return CreateRefusal(f"a PSA project needs a customer: {named}", fix)


def _records(session: Session, entity: ErpEntity, register: Register) -> Iterator[PsaRecord]:
    model = register.rules.model
    attributes = list(register.fields.values())
    query = sa.select(
        model.guid, getattr(model, register.key), *(getattr(model, a) for a in attributes), model.updated_at
    ).order_by(model.id)
    for guid, key, *values, updated_at in session.connection().execute(query):  # Core: rows, no ORM loading
        fields: dict[str, str | None] = dict(zip(register.fields, values, strict=True))
        if register.kind is not None:
            fields["kind"] = register.kind
        yield PsaRecord(entity, guid, _key_text(key), fields, updated_at)


def _record(entity: ErpEntity, register: Register, row: Any) -> PsaRecord:
    fields: dict[str, str | None] = {name: getattr(row, attribute) for name, attribute in register.fields.items()}
    if register.kind is not None:
        fields["kind"] = register.kind
    return PsaRecord(entity, row.guid, _key_text(getattr(row, register.key)), fields, row.updated_at)


def _register_for_new(entity: ErpEntity, fields: Values) -> Register:
    registers = REGISTERS[entity]
    if entity is not ErpEntity.PRODUCT:
        return registers[0]
    kind = fields.get("kind") or "product"
    for register in registers:
        if register.kind == kind:
            return register
    raise errors.InvalidRequest(f"the hub keeps no products of kind {kind!r}")


def _values(register: Register, fields: Values) -> dict[str, Any]:
    """PsaRecord fields as the service's values; a product's kind is its register, not a value."""
    unknown = set(fields) - set(register.fields) - {"kind"}
    if unknown:
        raise errors.InvalidRequest(f"the hub's {register.rules.what} has no field(s) {sorted(unknown)}")
    return {register.fields[name]: value for name, value in fields.items() if name in register.fields}


def _key_value(register: Register, key: str) -> object:
    if not register.numeric_key:
        return key
    if not (key.isascii() and key.isdigit()):
        raise errors.InvalidRequest(f"the hub numbers {register.rules.what}s; {key!r} is not a number")
    return int(key)


def _find(session: Session, entity: ErpEntity, guid: str) -> tuple[Register, Any]:
    for register in REGISTERS[entity]:
        row = lookup.find(session, register.rules.model, guid)
        if row is not None:
            return register, row
    raise ItemNotFound(str(entity), guid)
