"""The demo data set, generated without touching a database: both halves and the manifest.

The ERP half is a Visma Business company with hundreds of departments' worth of
master data; the PSA half holds ~30 % of the same records (same keys and names,
as the seed asks admins to arrange) plus records only the PSA has. On top of that,
`plant_problems` plants exactly one or a few of every problem the preflight looks
for and records each in `problems`, so a test can show the preflight finds every
planted problem and nothing else. Everything else is kept clean on purpose: all
names are distinct, numbers are in their own ranges, and every record fits.

Key ranges: departments 1.. (PSA-only 900..), products P1000.. (PSA-only Q/W/T..),
employees 1.. (PSA-only 500..), customers 10000.. (PSA-only 20001..), projects
5001.. (PSA-only 7001..), ERP invoices 100001.., PSA invoices 270001...
"""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tandem.demo.visma_business import names as pools
from tandem.domain.erp import (
    MASTER_ENTITIES,
    ErpEntity,
    FindingKind,
    GroupExclusion,
    NumberSeries,
    ProblemRef,
    PsaInvoice,
    PsaNumberSeries,
    PsaRecord,
    Side,
)

DEMO_EXCLUSIONS: dict[ErpEntity, GroupExclusion] = {
    ErpEntity.DEPARTMENT: GroupExclusion("Gr2", "1"),
    ErpEntity.PRODUCT: GroupExclusion("Gr3", "1"),
    ErpEntity.EMPLOYEE: GroupExclusion("Gr", "1"),
    ErpEntity.CUSTOMER: GroupExclusion("Gr4", "1"),
    ErpEntity.PROJECT: GroupExclusion("Gr5", "1"),
}
"""The Group fields the demo marks records with; `demo_settings()` configures the same."""

PSA_ONLY = {
    ErpEntity.DEPARTMENT: 10,
    ErpEntity.PRODUCT: 30,
    ErpEntity.EMPLOYEE: 20,
    ErpEntity.CUSTOMER: 60,
    ErpEntity.PROJECT: 40,
}
EXCLUDE_EVERY = 25
"""Every 25th ERP record (from the 8th) carries its entity's exclusion value."""


@dataclass(frozen=True, slots=True)
class DemoScale:
    departments: int = 120
    products: int = 300
    employees: int = 250
    customers: int = 600
    projects: int = 300
    erp_invoices: int = 80
    psa_invoices: int = 40

    def of(self, entity: ErpEntity) -> int:
        return int(getattr(self, entity.value + "s"))


@dataclass(slots=True)
class ErpItem:
    """One ERP row before it has column names."""

    key: str | None
    name: str
    email: str | None = None
    groups: dict[str, str] = field(default_factory=dict)
    psa_guid: str | None = None
    changed_at: datetime = datetime(2024, 6, 1, tzinfo=UTC)


@dataclass(slots=True)
class LedgerItem:
    invoice_number: int
    customer_key: str
    invoice_date: date
    amount: Decimal
    remaining: Decimal


@dataclass(slots=True)
class DemoData:
    erp: dict[ErpEntity, list[ErpItem]]
    ledger: list[LedgerItem]
    customer_series: tuple[NumberSeries, ...]
    voucher_series: tuple[NumberSeries, ...]
    psa: dict[ErpEntity, list[PsaRecord]]
    psa_invoices: list[PsaInvoice]
    psa_series: PsaNumberSeries
    problems: set[ProblemRef]
    excluded: dict[ErpEntity, set[str]]


def ascii_word(text: str) -> str:
    return text.translate(str.maketrans("äöåÄÖÅ", "aoaAOA")).replace(" ", "").lower()


class _Names:
    """Distinct names per kind, in a seeded order; each name is handed out once."""

    def __init__(self, rng: random.Random) -> None:
        def shuffled(items: list[str]) -> list[str]:
            rng.shuffle(items)
            return items

        self._pools: dict[ErpEntity, list[str]] = {
            ErpEntity.CUSTOMER: shuffled(
                [
                    f"{w} {k} {f}"
                    for w, k, f in itertools.product(pools.COMPANY_WORDS, pools.COMPANY_KINDS, pools.LEGAL_FORMS)
                ]
            ),
            ErpEntity.DEPARTMENT: shuffled(
                [f"{f} {c}" for f, c in itertools.product(pools.DEPARTMENT_FUNCTIONS, pools.CITIES)]
            ),
            ErpEntity.PRODUCT: shuffled(
                [f"{i} {g}" for g, i in itertools.product(pools.PRODUCT_GRADES, pools.PRODUCT_ITEMS)]
            ),
            ErpEntity.PROJECT: shuffled(
                [f"{t} {w}" for t, w in itertools.product(pools.PROJECT_TOPICS, pools.COMPANY_WORDS)]
            ),
            ErpEntity.EMPLOYEE: shuffled(
                [f"{f}|{last}" for f, last in itertools.product(pools.FIRST_NAMES, pools.LAST_NAMES)]
            ),
        }
        self._next = dict.fromkeys(self._pools, 0)

    def take(self, entity: ErpEntity) -> str:
        pool, index = self._pools[entity], self._next[entity]
        if index >= len(pool):
            raise ValueError(f"the demo has only {len(pool)} distinct {entity} names; ask for fewer")
        self._next[entity] = index + 1
        return pool[index]


def _person(packed: str) -> tuple[str, str]:
    first, last = packed.split("|")
    return first, last


def _employee_email(first: str, last: str) -> str:
    return f"{ascii_word(first)}.{ascii_word(last)}@demo.example"


class DemoBuilder:
    def __init__(self, seed: int, scale: DemoScale) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.names = _Names(self.rng)
        self.problems: set[ProblemRef] = set()
        self.excluded: dict[ErpEntity, set[str]] = {e: set() for e in MASTER_ENTITIES}
        self.erp: dict[ErpEntity, list[ErpItem]] = {}
        self.psa: dict[ErpEntity, list[PsaRecord]] = {e: [] for e in MASTER_ENTITIES}

    # --- small helpers -----------------------------------------------------------------

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def erp_stamp(self) -> datetime:
        start = datetime(2024, 1, 2, 6, 0, tzinfo=UTC)
        return start + timedelta(minutes=self.rng.randrange(0, 300 * 24 * 60))

    def psa_stamp(self) -> datetime:
        start = datetime(2025, 1, 2, 6, 0, tzinfo=UTC)
        return start + timedelta(seconds=self.rng.randrange(0, 200 * 24 * 3600))

    def plant(self, kind: FindingKind, entity: ErpEntity | None, side: Side, *keys: str) -> None:
        self.problems.add(ProblemRef(kind, entity, side, keys))

    def psa_fields(self, entity: ErpEntity, item: ErpItem) -> dict[str, str | None]:
        if entity is ErpEntity.EMPLOYEE:
            first, last = _person(item.name)
            return {"first_name": first, "last_name": last, "email": item.email}
        if entity is ErpEntity.PRODUCT:
            return {"name": item.name, "kind": "product"}
        if entity is ErpEntity.CUSTOMER:
            return {"name": item.name, "email": item.email}
        return {"name": item.name}

    def add_psa(self, entity: ErpEntity, key: str | None, item: ErpItem, **extra: str | None) -> PsaRecord:
        record = PsaRecord(entity, self.guid(), key, {**self.psa_fields(entity, item), **extra}, self.psa_stamp())
        self.psa[entity].append(record)
        return record

    # --- the ERP half, and the PSA's copies of 30 % of it -------------------------------

    def erp_key(self, entity: ErpEntity, index: int) -> str:
        return {
            ErpEntity.DEPARTMENT: str(index + 1),
            ErpEntity.PRODUCT: f"P{1000 + index}",
            ErpEntity.EMPLOYEE: str(index + 1),
            ErpEntity.CUSTOMER: str(10000 + index),
            ErpEntity.PROJECT: str(5001 + index),
        }[entity]

    def new_item(self, entity: ErpEntity, key: str | None) -> ErpItem:
        name = self.names.take(entity)
        email: str | None = None
        if entity is ErpEntity.EMPLOYEE:
            email = _employee_email(*_person(name))
        elif entity is ErpEntity.CUSTOMER and self.rng.random() < 0.8:
            email = f"info@{ascii_word(name.split()[0])}{self.rng.randrange(100, 999)}.example"
        return ErpItem(key, name, email, changed_at=self.erp_stamp())

    def build_erp(self, entity: ErpEntity) -> tuple[list[ErpItem], list[ErpItem]]:
        """All ERP items; returns (shared with the PSA, ERP-only) among the non-excluded."""
        items, shared, erp_only = [], [], []
        exclusion = DEMO_EXCLUSIONS[entity]
        for index in range(self.scale.of(entity)):
            item = self.new_item(entity, self.erp_key(entity, index))
            items.append(item)
            if index % EXCLUDE_EVERY == 7:
                item.groups[exclusion.field] = exclusion.value
                self.excluded[entity].add(item.key or "")
            elif index % 10 < 3:
                shared.append(item)
                self.add_psa(entity, item.key, item)
            else:
                erp_only.append(item)
        self.erp[entity] = items
        return shared, erp_only

    def psa_only(self, entity: ErpEntity, count: int) -> list[PsaRecord]:
        created = []
        for index in range(count):
            key = {
                ErpEntity.DEPARTMENT: str(900 + index),
                ErpEntity.PRODUCT: ("W", "T", "Q")[index % 3] + str(100 + index),
                ErpEntity.EMPLOYEE: str(500 + index),
                ErpEntity.CUSTOMER: str(20001 + index),
                ErpEntity.PROJECT: str(7001 + index),
            }[entity]
            item = self.new_item(entity, key)
            kind = {"W": "work_type", "T": "travel_expense"}.get(key[0], "product")
            extra = {"kind": kind} if entity is ErpEntity.PRODUCT else {}
            created.append(self.add_psa(entity, key, item, **extra))
        return created

    # --- invoices and numbering --------------------------------------------------------

    def ledger(self, erp_only_customers: list[ErpItem]) -> list[LedgerItem]:
        entries = []
        for index in range(self.scale.erp_invoices):
            customer = erp_only_customers[index % len(erp_only_customers)]
            amount = Decimal(self.rng.randrange(10_000, 500_000)) / 100
            paid = self.rng.random() < 0.6
            entries.append(
                LedgerItem(
                    100001 + index,
                    customer.key or "",
                    date(2024, 1, 1) + timedelta(days=index),
                    amount,
                    Decimal(0) if paid else amount,
                )
            )
        return entries

    def psa_invoices(self, customers: list[PsaRecord], projects: list[PsaRecord]) -> list[PsaInvoice]:
        invoices = []
        for index in range(self.scale.psa_invoices):
            customer = customers[index % len(customers)]
            project = projects[index % len(projects)] if projects else None
            invoices.append(
                PsaInvoice(
                    guid=self.guid(),
                    number=str(270001 + index),
                    customer_key=customer.key,
                    project_key=project.key if project else None,
                    invoice_date=date(2025, 3, 1) + timedelta(days=index),
                    total=Decimal(self.rng.randrange(50_000, 900_000)) / 100,
                    is_paid=index % 10 == 9,
                )
            )
        for index in range(2):  # drafts: no number yet, so they stay in the PSA
            customer = customers[index]
            invoices.append(
                PsaInvoice(self.guid(), None, customer.key, None, date(2025, 6, 1), Decimal("100.00"), is_draft=True)
            )
        return invoices
