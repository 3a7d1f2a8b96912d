"""The PSA master-data port and the ERP state store over dictionaries.

The stand-ins for `tandem.hub.adapters.master_data.HubMasterData` and
`tandem.store.erp_state.SqlErpStateStore`; both pass the same contract suites (the
master-data port's and the ERP state store's). They behave like those where it matters:
the PSA refuses a second customer or project with the same number and a user
without a first or last name; every write stamps `changed_at` from the clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from tandem.domain.erp import (
    CreateRefusal,
    ErpEntity,
    ErpLink,
    PsaInvoice,
    PsaNumberSeries,
    PsaRecord,
    PsaSeed,
    RunReport,
    SideLimits,
    Values,
)
from tandem.domain.errors import AlreadyExists, InvalidRequest, NotFound

PSA_LIMITS = SideLimits(numeric_keys=frozenset({ErpEntity.CUSTOMER, ErpEntity.PROJECT, ErpEntity.INVOICE}))
"""Severa numbers customers, projects and invoices; codes are free text."""

UNIQUE_KEYS = frozenset({ErpEntity.CUSTOMER, ErpEntity.PROJECT})

PERSON = frozenset({"first_name", "last_name", "email"})
FIELDS: Mapping[ErpEntity, frozenset[str]] = {
    ErpEntity.CUSTOMER: frozenset({"name", "email"}),
    ErpEntity.EMPLOYEE: PERSON,
    ErpEntity.DEPARTMENT: frozenset({"name"}),
    ErpEntity.PRODUCT: frozenset({"name", "kind"}),
    ErpEntity.PROJECT: frozenset({"name"}),
}
"""The fields the PSA keeps per entity (a product's kind says which register holds it)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MemoryPsaMasterData:
    """`PsaMasterDataPort` over dictionaries; `writes` counts every create/update/mark."""

    def __init__(
        self,
        seed: PsaSeed | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        limits: SideLimits = PSA_LIMITS,
    ) -> None:
        self.limits = limits
        self.writes = 0
        self._clock = clock
        seed = seed or PsaSeed()
        self._records: dict[ErpEntity, dict[str, PsaRecord]] = {
            entity: {r.guid: r for r in seed.records.get(entity, ())} for entity in ErpEntity
        }
        self._invoices: dict[str, PsaInvoice] = {i.guid: i for i in seed.invoices}
        self._series = seed.number_series

    def list(self, entity: ErpEntity) -> Sequence[PsaRecord]:
        return tuple(self._records[entity].values())

    def get(self, entity: ErpEntity, guid: str) -> PsaRecord:
        try:
            return self._records[entity][guid]
        except KeyError:
            raise NotFound(f"no PSA {entity} {guid}") from None

    def by_key(self, entity: ErpEntity, key: str) -> PsaRecord:
        found = [r for r in self._records[entity].values() if r.key == key]
        if len(found) != 1:
            raise NotFound(f"{len(found)} PSA {entity} records have key {key}")
        return found[0]

    def create(self, entity: ErpEntity, key: str, fields: Values) -> PsaRecord:
        if entity in self.limits.numeric_keys and not (key.isascii() and key.isdigit()):
            raise InvalidRequest(f"the PSA numbers {entity}s; {key!r} is not a number")
        if entity in UNIQUE_KEYS and any(r.key == key for r in self._records[entity].values()):
            raise AlreadyExists(f"the PSA already has {entity} {key}")
        self._check_names(entity, fields)
        self._validate(entity, fields)
        record = PsaRecord(entity, str(uuid.uuid4()), key, dict(fields), self._clock())
        self._records[entity][record.guid] = record
        self.writes += 1
        return record

    def update(self, entity: ErpEntity, guid: str, fields: Values) -> PsaRecord:
        current = self.get(entity, guid)
        self._check_names(entity, fields)
        merged = {**current.fields, **fields}
        self._validate(entity, merged)
        record = replace(current, fields=merged, changed_at=self._clock())
        self._records[entity][guid] = record
        self.writes += 1
        return record

    def edit(self, entity: ErpEntity, guid: str, *, key: str | None = None, **fields: str | None) -> PsaRecord:
        """A user's edit in the PSA (tests and demos): fields and, if given, the key."""
        record = self.update(entity, guid, fields)
        if key is not None:
            record = replace(record, key=key)
            self._records[entity][guid] = record
        return record

    def number_series(self) -> PsaNumberSeries:
        return self._series

    def cannot_create(self) -> Mapping[ErpEntity, CreateRefusal]:
        return {}  # dictionaries take any record

    def list_invoices(self) -> Sequence[PsaInvoice]:
        return tuple(self._invoices.values())

    def add_invoice(self, invoice: PsaInvoice) -> None:
        self._invoices[invoice.guid] = invoice

    def mark_invoice_paid(self, guid: str, paid_on: date) -> None:
        invoice = self._invoices.get(guid)
        if invoice is None:
            raise NotFound(f"no PSA invoice {guid}")
        self._invoices[guid] = replace(invoice, is_paid=True)
        self.writes += 1

    @staticmethod
    def _check_names(entity: ErpEntity, fields: Mapping[str, str | None]) -> None:
        unknown = set(fields) - FIELDS[entity]
        if unknown:
            raise InvalidRequest(f"the PSA's {entity} has no field(s) {sorted(unknown)}")

    @staticmethod
    def _validate(entity: ErpEntity, fields: Mapping[str, str | None]) -> None:
        if entity is ErpEntity.EMPLOYEE:
            if not fields.get("first_name") or not fields.get("last_name"):
                raise InvalidRequest("a PSA user needs a first and a last name")
        elif not fields.get("name"):
            raise InvalidRequest(f"a PSA {entity} needs a name")


class MemoryErpStateStore:
    """`ErpStateStore` over dictionaries."""

    def __init__(self) -> None:
        self._links: dict[ErpEntity, dict[str, ErpLink]] = {entity: {} for entity in ErpEntity}
        self._runs: list[RunReport] = []
        self._enabled = False
        self.run_errors: list[tuple[datetime, datetime, str]] = []
        """Runs that failed as a whole: (started, finished, error)."""

    def links(self, entity: ErpEntity) -> Mapping[str, ErpLink]:
        return dict(self._links[entity])

    def save_link(self, link: ErpLink) -> None:
        self._links[link.entity][link.psa_guid] = link

    def remove_link(self, entity: ErpEntity, psa_guid: str) -> None:
        self._links[entity].pop(psa_guid, None)

    def record_run(self, report: RunReport) -> None:
        self._runs.append(report)

    def runs(self, limit: int = 20) -> Sequence[RunReport]:
        return tuple(reversed(self._runs[-limit:]))

    def record_run_error(self, started_at: datetime, finished_at: datetime, error: str) -> None:
        self.run_errors.append((started_at, finished_at, error))

    def is_enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
