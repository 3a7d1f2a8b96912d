"""The demo's PSA half (a `PsaSeed`) loaded into the hub: `tandem erp demo-db`, tests, bench.

Records go in through the hub's services (`masters.save`) like any writer's, with two
additions the services have no call for: each record keeps the seed's guid (the demo's ERP
keeps some of those guids in its information field, as if linked once), and the
organisation's number series are set to the seed's.

The hub cannot hold all the seed plants for the in-memory PSA: it numbers every customer
and project (one without a number gets the next of its series) and refuses a second user
with the same code. Such records are loaded numbered, or refused, and `SeedLoad` names them,
so a caller can tell which planted problems the hub made impossible.

The hub may already hold an organisation (`make run`'s demo): the seed goes in beside it.
Its keys are in ranges of their own (see `visma_business.data`), the organisation's number
series only move up (to the seed's when those are higher), and a hub that already holds the
seed's customers is left alone (`skipped`): loading twice adds nothing.

Projects need a customer and an owner in the hub: a project takes the customer of the first
seed invoice billed on it, else the organisation's internal customer (created here, number
1 when it is free, unless the hub has one); the hub's first active admin owns them, or the
first seed user with a code, made an admin — the same defaults `HubMasterData` gives
projects that come from the ERP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain.erp import MASTER_ENTITIES, ErpEntity, PsaInvoice, PsaNumberSeries, PsaRecord, PsaSeed
from tandem.domain.progress import Progress, quiet
from tandem.hub.adapters.master_data import REGISTERS, Register
from tandem.hub.models import Customer, InvoiceStatus, User
from tandem.hub.services import counters, entities, masters
from tandem.hub.services.errors import HubError
from tandem.store.db import Database

INTERNAL_CUSTOMER = "Own organisation (internal)"


@dataclass(frozen=True, slots=True)
class SeedLoad:
    """What loading a seed did: records made per entity, and what the hub would not take as is."""

    created: Mapping[str, int] = field(default_factory=dict)
    """Rows made per hub register ("customer", "work type", …), the internal customer included."""
    refused: tuple[tuple[ErpEntity, str | None, str], ...] = ()
    """(entity, key, the hub's reason) of seed records the hub refused."""
    numbered: tuple[tuple[ErpEntity, str], ...] = ()
    """(entity, guid) of seed records without a number that the hub numbered."""
    skipped: bool = False
    """The hub already had the seed's customers: nothing was loaded."""
    internal_customer: int | None = None
    """The number of the organisation's internal customer (projects from the ERP get it)."""


@dataclass
class _Loading:
    session: Session
    created: dict[str, int] = field(default_factory=dict)
    refused: list[tuple[ErpEntity, str | None, str]] = field(default_factory=list)
    numbered: list[tuple[ErpEntity, str]] = field(default_factory=list)
    guids: dict[tuple[ErpEntity, str], str] = field(default_factory=dict)
    """(entity, key) → hub guid of what was loaded."""
    admin: str | None = None
    """The user who owns the demo's projects."""

    def save(self, register: Register, values: dict[str, Any], guid: str | None = None) -> Any:
        """The new row, or the `HubError` the hub refused it with (nothing of it is written)."""
        try:
            with self.session.begin_nested():
                row = masters.save(self.session, register.rules, None, values)
                if guid is not None:
                    row.guid = guid
                    self.session.flush()
        except HubError as error:
            return error
        self.created[register.rules.what] = self.created.get(register.rules.what, 0) + 1
        return row


def load_psa_seed(db: Database, seed: PsaSeed, progress: Progress = quiet) -> SeedLoad:
    """Load `seed` into the hub, beside what it holds; does nothing when the seed's customers
    are there already. `progress` hears of the records as they go in."""
    with db.write() as session:
        numbers = [int(r.key) for r in seed.records.get(ErpEntity.CUSTOMER, ()) if r.key]
        if numbers and session.scalar(sa.select(Customer.id).where(Customer.number.in_(numbers)).limit(1)):
            return SeedLoad(skipped=True)
        _number_series(session, seed.number_series)
        loading = _Loading(session, admin=_first_admin(session))
        internal: int | None = None
        total, done = sum(len(seed.records.get(e, ())) for e in MASTER_ENTITIES), 0
        for entity in MASTER_ENTITIES:
            if entity is ErpEntity.PROJECT:
                internal = _internal_customer(loading)
            for record in seed.records.get(entity, ()):
                _record(loading, record, seed.invoices)
                done += 1
                if done % 100 == 0 or done == total:
                    progress("the PSA's half: records", done, total)
        statuses = session.scalars(sa.select(InvoiceStatus).order_by(InvoiceStatus.id)).all()
        for invoice in seed.invoices:
            _invoice(loading, invoice, statuses)
        return SeedLoad(dict(loading.created), tuple(loading.refused), tuple(loading.numbered), False, internal)


def _number_series(session: Session, series: PsaNumberSeries) -> None:
    """The organisation's series moved up to the seed's (never down: numbers in use stay free)."""
    org = counters.settings(session, for_update=True)
    for name in ("customer", "project", "invoice"):
        for which in ("next", "last"):
            value = getattr(series, f"{which}_{name}_number")
            current = getattr(org, f"{which}_{name}_number")
            if value is not None and (current is None or value > current):
                setattr(org, f"{which}_{name}_number", value)


def _first_admin(session: Session) -> str | None:
    query = sa.select(User.guid).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id).limit(1)
    return session.scalar(query)


def _internal_customer(loading: _Loading) -> int | None:
    """The organisation's internal customer: the hub's own, else a new one (number 1 if free)."""
    found = loading.session.scalar(
        sa.select(Customer.number).where(Customer.is_internal.is_(True)).order_by(Customer.id).limit(1)
    )
    if found is not None:
        return int(found)
    register = REGISTERS[ErpEntity.CUSTOMER][0]
    values: dict[str, Any] = {"name": INTERNAL_CUSTOMER, "is_internal": True}
    if not loading.session.scalar(sa.select(Customer.id).where(Customer.number == 1)):
        values["number"] = 1
    row = loading.save(register, values)
    return None if isinstance(row, HubError) else int(row.number)


def _record(loading: _Loading, record: PsaRecord, invoices: tuple[PsaInvoice, ...]) -> None:
    entity = record.entity
    register = _register(entity, record.fields.get("kind"))
    values: dict[str, Any] = {a: record.fields.get(name) for name, a in register.fields.items()}
    if record.key is not None:
        values[register.key] = int(record.key) if register.numeric_key else record.key
    if entity is ErpEntity.EMPLOYEE and record.key is not None and loading.admin is None:
        values["role"] = "admin"  # owns the demo's projects
    if entity is ErpEntity.PROJECT:
        values.update(_project_references(loading, record, invoices))
    row = loading.save(register, values, record.guid)
    if isinstance(row, HubError):
        loading.refused.append((entity, record.key, str(row)))
        return
    loading.guids.setdefault((entity, str(getattr(row, register.key))), row.guid)
    if values.get("role") == "admin":
        loading.admin = row.guid
    if record.key is None and register.numeric_key:
        loading.numbered.append((entity, row.guid))


def _register(entity: ErpEntity, kind: str | None) -> Register:
    registers = REGISTERS[entity]
    return next((r for r in registers if r.kind == (kind or "product")), registers[0])


def _project_references(loading: _Loading, record: PsaRecord, invoices: tuple[PsaInvoice, ...]) -> dict[str, Any]:
    billed = next((i.customer_key for i in invoices if i.project_key == record.key and i.customer_key), None)
    customer = loading.guids.get((ErpEntity.CUSTOMER, billed or ""))
    if customer is None:
        customer = loading.session.scalar(
            sa.select(Customer.guid).where(Customer.is_internal.is_(True)).order_by(Customer.id).limit(1)
        )
    return {"customer_guid": customer, "owner_guid": loading.admin}


def _invoice(loading: _Loading, invoice: PsaInvoice, statuses: Sequence[InvoiceStatus]) -> None:
    if invoice.is_paid:
        status = next(s for s in statuses if s.is_paid)
    elif invoice.is_draft:
        status = next(s for s in statuses if not s.is_sent and not s.is_paid)
    else:
        status = next(s for s in statuses if s.is_sent and not s.is_paid)
    values: dict[str, Any] = {
        "number": int(invoice.number) if invoice.number else None,
        "date": invoice.invoice_date,
        "payment_date": invoice.invoice_date if invoice.is_paid else None,
        "total_excluding_tax": invoice.total,
        "total_tax": Decimal(0),
        "customer_guid": loading.guids.get((ErpEntity.CUSTOMER, invoice.customer_key or "")),
        "project_guid": loading.guids.get((ErpEntity.PROJECT, invoice.project_key or "")),
        "status_guid": status.guid,
    }
    register = Register(entities.INVOICES, "number", {})
    row = loading.save(register, values, invoice.guid)
    if isinstance(row, HubError):
        loading.refused.append((ErpEntity.INVOICE, invoice.number, str(row)))
