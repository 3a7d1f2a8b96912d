"""The plan of an ERP run: frozen actions, decided before anything is written.

    CreateInErp        a PSA record the ERP lacks; then link (guid in the ERP's info field)
    CreateInPsa        an ERP record the PSA lacks; then link and store the new guid
    SyncPair           a pair (new link or old): writes to either side, the guid, the base
    CreateErpInvoice   a numbered PSA invoice booked in the ERP (ERP-6)
    LinkInvoice        a PSA invoice the ERP already has under the same number and customer
    MarkInvoicePaid    the ERP's ledger says paid; tell the PSA

The runtime executes them one by one; each carries everything it needs, including
the base snapshot to store once its writes succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tandem.domain.erp import (
    BaseSnapshot,
    Conflict,
    ErpEntity,
    ErpInvoiceDraft,
    ExcludedItem,
    Failure,
    Finding,
    Values,
)


@dataclass(frozen=True, slots=True)
class CreateInErp:
    entity: ErpEntity
    key: str
    psa_guid: str
    values: Values = field(hash=False)
    base: BaseSnapshot


@dataclass(frozen=True, slots=True)
class CreateInPsa:
    entity: ErpEntity
    key: str
    erp_row_id: str
    psa_fields: Values = field(hash=False)
    """In the PSA's field names (a user's first and last name)."""
    base: BaseSnapshot


@dataclass(frozen=True, slots=True)
class SyncPair:
    entity: ErpEntity
    key: str
    psa_guid: str
    erp_row_id: str
    to_erp: Values = field(hash=False)
    to_psa: Values = field(hash=False)
    """In the PSA's field names."""
    store_guid: bool
    """Write the PSA guid into the ERP's information field (missing or wrong there)."""
    new_link: bool
    base: BaseSnapshot
    conflicts: tuple[Conflict, ...] = ()

    @property
    def writes_records(self) -> bool:
        return bool(self.to_erp or self.to_psa)


@dataclass(frozen=True, slots=True)
class CreateErpInvoice:
    draft: ErpInvoiceDraft

    @property
    def entity(self) -> ErpEntity:
        return ErpEntity.INVOICE

    @property
    def key(self) -> str:
        return self.draft.invoice_number


@dataclass(frozen=True, slots=True)
class LinkInvoice:
    psa_guid: str
    invoice_number: str
    paid_on: date | None
    """Set when the ERP says paid and the PSA does not know yet."""

    @property
    def entity(self) -> ErpEntity:
        return ErpEntity.INVOICE

    @property
    def key(self) -> str:
        return self.invoice_number


@dataclass(frozen=True, slots=True)
class MarkInvoicePaid:
    psa_guid: str
    invoice_number: str
    paid_on: date

    @property
    def entity(self) -> ErpEntity:
        return ErpEntity.INVOICE

    @property
    def key(self) -> str:
        return self.invoice_number


Action = CreateInErp | CreateInPsa | SyncPair | CreateErpInvoice | LinkInvoice | MarkInvoicePaid


@dataclass(frozen=True, slots=True)
class EntityPlan:
    entity: ErpEntity
    actions: tuple[Action, ...] = ()
    excluded: tuple[ExcludedItem, ...] = ()
    failures: tuple[Failure, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class ErpPlan:
    entities: tuple[EntityPlan, ...]

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(action for plan in self.entities for action in plan.actions)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(item for plan in self.entities for item in plan.findings)

    def entity(self, entity: ErpEntity) -> EntityPlan:
        for plan in self.entities:
            if plan.entity is entity:
                return plan
        return EntityPlan(entity)
