"""The ERP integration's records: what moves between the PSA and the ERP (ERP-1..ERP-7).

Both sides are reduced to one neutral shape per entity so the core can compare them:
a record has a *key* (the number or code both systems use as the link key, as text),
a few *fields* under neutral names (`name`, `email`), and a change stamp. The ERP side
adds what only the ERP has: the Group fields Gr..Gr12 (exclusion, ERP-4) and the PSA
guid it keeps in an information field (so a link survives a lost state store and a
renumbering can be told from a new record).

Field vocabulary per entity (`NEUTRAL_FIELDS`): ERP records carry exactly these. PSA
records carry the PSA's own field names (a user has `first_name` and `last_name`,
a product its `kind`); the core translates, because splitting a full name is a rule
of the integration (ERP-5), not of either system.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

Values = Mapping[str, str | None]
"""Field values under neutral (or PSA) names; `None` means empty."""


class ErpEntity(enum.StrEnum):
    DEPARTMENT = "department"
    """ERP: an organisational-unit table (R1 by default). PSA: business units."""
    PRODUCT = "product"
    """ERP: Prod. PSA: products, travel expenses and work types (one register in the ERP)."""
    EMPLOYEE = "employee"
    """ERP: Actor rows with EmpNo > 0. PSA: users (user code = employee number)."""
    CUSTOMER = "customer"
    """ERP: Actor rows with CustNo > 0. PSA: customers (customer number)."""
    PROJECT = "project"
    """ERP: an organisational-unit table (R2 by default). PSA: projects (project number)."""
    INVOICE = "invoice"
    """PSA invoices go to the ERP (Ord/OrdLn + CustTr); paid status comes back."""


MASTER_ENTITIES: tuple[ErpEntity, ...] = (
    ErpEntity.DEPARTMENT,
    ErpEntity.PRODUCT,
    ErpEntity.EMPLOYEE,
    ErpEntity.CUSTOMER,
    ErpEntity.PROJECT,
)
"""Master-data entities in the order a run handles them (a project may need its unit)."""

NEUTRAL_FIELDS: Mapping[ErpEntity, tuple[str, ...]] = {
    ErpEntity.DEPARTMENT: ("name",),
    ErpEntity.PRODUCT: ("name",),
    ErpEntity.EMPLOYEE: ("name", "email"),
    ErpEntity.CUSTOMER: ("name", "email"),
    ErpEntity.PROJECT: ("name",),
}
"""The fields that transfer, per entity. An employee's `name` is the full name."""


class Side(enum.StrEnum):
    PSA = "psa"
    ERP = "erp"
    BOTH = "both"


DEFAULT_MASTER: Mapping[ErpEntity, Side] = {
    ErpEntity.DEPARTMENT: Side.BOTH,
    ErpEntity.PRODUCT: Side.ERP,
    ErpEntity.EMPLOYEE: Side.BOTH,
    ErpEntity.CUSTOMER: Side.BOTH,
    ErpEntity.PROJECT: Side.PSA,
}
"""Where updates come from, as Visma documents its own integration (ERP.md)."""


# --- records -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErpRecord:
    """One row of an ERP entity, neutral.

    `row_id` identifies the row in its table even when the key changes (ActNo for
    Actor rows; the key column itself for Prod and the R-tables). `changed_at` is
    ChDt/ChTm as an aware UTC instant (minute resolution) or None when unstamped.
    """

    entity: ErpEntity
    row_id: str
    key: str | None
    fields: Values = field(default_factory=dict, hash=False)
    groups: Mapping[str, str] = field(default_factory=dict, hash=False)
    psa_guid: str | None = None
    changed_at: datetime | None = None

    @property
    def name(self) -> str | None:
        return self.fields.get("name")


@dataclass(frozen=True, slots=True)
class PsaRecord:
    """One PSA record of a master-data entity, with the PSA's own field names.

    Users: `first_name`, `last_name`, `email`. Products: `name`, `kind`
    (`product`, `travel_expense` or `work_type`). Others: `name` (+ `email` for
    customers).
    """

    entity: ErpEntity
    guid: str
    key: str | None
    fields: Values = field(default_factory=dict, hash=False)
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PsaInvoice:
    guid: str
    number: str | None
    """None while a draft: only invoices numbered in the PSA's series transfer (ERP-6)."""
    customer_key: str | None
    project_key: str | None
    invoice_date: date
    total: Decimal
    is_draft: bool = False
    is_paid: bool = False


@dataclass(frozen=True, slots=True)
class ErpInvoice:
    """An invoice as the ERP's customer ledger sees it (CustTr rows summed by InvoNo)."""

    invoice_number: str
    customer_key: str | None
    amount: Decimal
    remaining: Decimal

    @property
    def is_paid(self) -> bool:
        return self.remaining == 0


@dataclass(frozen=True, slots=True)
class ErpInvoiceDraft:
    """What the ERP writer needs to book a PSA invoice."""

    invoice_number: str
    customer_key: str
    project_key: str | None
    invoice_date: date
    total: Decimal
    psa_guid: str
    already_paid: bool = False
    """Paid in the PSA before it reached the ERP: booked with nothing remaining."""


@dataclass(frozen=True, slots=True)
class NumberSeries:
    """A number range; `last` None means open-ended (the PSA's own series)."""

    series_id: str
    first: int
    last: int | None
    description: str = ""


@dataclass(frozen=True, slots=True)
class ErpNumberSeries:
    customer: tuple[NumberSeries, ...] = ()
    invoice: tuple[NumberSeries, ...] = ()


@dataclass(frozen=True, slots=True)
class PsaNumberSeries:
    """The PSA organisation settings' numbering (nextCustomerNumber, lastInvoiceNumber…)."""

    next_customer_number: int | None = None
    last_customer_number: int | None = None
    next_invoice_number: int | None = None
    last_invoice_number: int | None = None
    next_project_number: int | None = None
    last_project_number: int | None = None


# --- state -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BaseSnapshot:
    """The neutral values both sides last agreed on: the base of a three-way merge."""

    values: Values = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class ErpLink:
    """PSA guid ↔ ERP key of one entity; invoices link guid ↔ invoice number."""

    entity: ErpEntity
    psa_guid: str
    erp_key: str
    base: BaseSnapshot | None = None
    linked_at: datetime | None = None


# --- rules -----------------------------------------------------------------------------

GROUP_FIELDS: tuple[str, ...] = ("Gr", *(f"Gr{n}" for n in range(2, 13)))


@dataclass(frozen=True, slots=True)
class GroupExclusion:
    """ERP-4: ERP records whose Group field `field` holds `value` do not transfer."""

    field: str
    value: str

    def __post_init__(self) -> None:
        if self.field not in GROUP_FIELDS:
            raise ValueError(f"{self.field!r} is not a Group field (Gr, Gr2 .. Gr12)")

    def excludes(self, record: ErpRecord) -> bool:
        return (record.groups.get(self.field) or "").strip() == self.value.strip()


@dataclass(frozen=True, slots=True)
class EntityRule:
    transfer: bool = True
    master: Side = Side.BOTH
    create_in_psa: bool = True
    """New ERP records are created in the PSA (ERP-5: records may start on either side)."""
    create_in_erp: bool = True
    exclusion: GroupExclusion | None = None


@dataclass(frozen=True, slots=True)
class ErpRules:
    entities: Mapping[ErpEntity, EntityRule] = field(default_factory=dict, hash=False)
    transfer_invoices: bool = True

    def rule(self, entity: ErpEntity) -> EntityRule:
        return self.entities.get(entity) or EntityRule(master=DEFAULT_MASTER[entity])


def default_rules(
    exclusions: Mapping[ErpEntity, GroupExclusion] | None = None,
    transfer: Mapping[ErpEntity, bool] | None = None,
) -> ErpRules:
    """ERP.md's defaults: every entity transfers, masters as Visma documents them."""
    exclusions = exclusions or {}
    transfer = transfer or {}
    return ErpRules(
        entities={
            entity: EntityRule(
                transfer=transfer.get(entity, True), master=DEFAULT_MASTER[entity], exclusion=exclusions.get(entity)
            )
            for entity in MASTER_ENTITIES
        }
    )


@dataclass(frozen=True, slots=True)
class SideLimits:
    """What one side can hold: numeric keys, key and field lengths (capabilities)."""

    numeric_keys: frozenset[ErpEntity] = frozenset()
    key_max_length: Mapping[ErpEntity, int] = field(default_factory=dict, hash=False)
    field_max_length: Mapping[ErpEntity, Mapping[str, int]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class CreateRefusal:
    """Why a side cannot create records of an entity as it is configured, and the fix
    (the setting to give): every new record of it would fail with `reason`."""

    reason: str
    fix: str = ""


# --- preflight findings ------------------------------------------------------------------


class FindingKind(enum.StrEnum):
    CUSTOMER_SERIES_OVERLAP = "customer_series_overlap"
    INVOICE_SERIES_OVERLAP = "invoice_series_overlap"
    DUPLICATE_KEY = "duplicate_key"
    MISSING_KEY = "missing_key"
    NAME_MISMATCH = "name_mismatch"
    EQUAL_NAME_DIFFERENT_KEY = "equal_name_different_key"
    EMPLOYEE_WITHOUT_EMAIL = "employee_without_email"
    RENUMBERED = "renumbered"
    UNFIT_KEY = "unfit_key"
    """A key the other side cannot hold (a user code that is not a positive number)."""
    CANNOT_CREATE = "cannot_create"
    """New records of an entity cannot be made on a side as configured (no project customer)."""


class Severity(enum.StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class ProblemRef:
    """What a problem is about, comparable across a demo manifest and a preflight.

    `keys`: the key concerned; for a series overlap the ERP series id; for an equal
    name or a renumbering the pair (ERP key, PSA key).
    """

    kind: FindingKind
    entity: ErpEntity | None
    side: Side | None
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    ref: ProblemRef
    severity: Severity
    message: str
    fix: str = ""
    """What to do about it, naming the exact command or setting when there is one."""


# --- run reports -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """A record that could not transfer, and why; the run went on without it."""

    key: str | None
    reason: str
    side: Side | None = None
    psa_guid: str | None = None


@dataclass(frozen=True, slots=True)
class ExcludedItem:
    key: str | None
    reason: str
    side: Side = Side.ERP


@dataclass(frozen=True, slots=True)
class Conflict:
    """Both sides changed one field of a both-ways entity; `winner`'s value was kept."""

    entity: ErpEntity
    key: str
    field: str
    base_value: str | None
    psa_value: str | None
    erp_value: str | None
    winner: Side


@dataclass(frozen=True, slots=True)
class EntityReport:
    entity: ErpEntity
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    linked: tuple[str, ...] = ()
    excluded: tuple[ExcludedItem, ...] = ()
    failed: tuple[Failure, ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "linked": len(self.linked),
            "excluded": len(self.excluded),
            "failed": len(self.failed),
        }


@dataclass(frozen=True, slots=True)
class RunReport:
    """ERP-7: what one run (or dry run) did, per entity."""

    started_at: datetime
    finished_at: datetime
    dry_run: bool
    entities: tuple[EntityReport, ...]
    conflicts: tuple[Conflict, ...] = ()

    def entity(self, entity: ErpEntity) -> EntityReport:
        for report in self.entities:
            if report.entity is entity:
                return report
        return EntityReport(entity)

    @property
    def writes(self) -> int:
        """Records created, updated or linked: zero for a run that changed nothing."""
        return sum(len(r.created) + len(r.updated) + len(r.linked) for r in self.entities)


# --- seeds -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PsaSeed:
    """A PSA data set the in-memory PSA and the hub can load (the demo's PSA half)."""

    records: Mapping[ErpEntity, tuple[PsaRecord, ...]] = field(default_factory=dict, hash=False)
    invoices: tuple[PsaInvoice, ...] = ()
    number_series: PsaNumberSeries = PsaNumberSeries()
