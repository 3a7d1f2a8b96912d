"""The ERP integration's seams: the ERP (reads + one writer), the PSA's master data, the state.

    ErpPort             reads each entity (whole, or changed since a stamp), number
                        series and invoice ledger state; `writer` is its ErpWriter
    ErpWriter           the ONLY way anything is written to the ERP: SQL today,
                        Visma Business Services (XML over HTTP) tomorrow
    PsaMasterDataPort   the PSA side: list/create/update per entity, numbering,
                        invoices and marking one paid (the hub in-process; later Severa)
    ErpStateStore       links (PSA guid ↔ ERP key) with their base snapshots, run
                        records and the enabled flag

Every method raises only Tandem's errors (`tandem.domain.errors`); each adapter
translates its library's failures at one place.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from tandem.domain.erp import (
    CreateRefusal,
    ErpEntity,
    ErpInvoice,
    ErpInvoiceDraft,
    ErpLink,
    ErpNumberSeries,
    ErpRecord,
    PsaInvoice,
    PsaNumberSeries,
    PsaRecord,
    RunReport,
    SideLimits,
    Values,
)


@dataclass(frozen=True, slots=True)
class ErpChanges:
    """An incremental read: rows stamped at or after `since`, and the next cursor.

    The boundary minute is read again on purpose (ChTm has minute resolution), so
    the same row may come twice across reads; callers merge by `row_id`.
    `gone_row_ids`: rows that changed but no longer belong to the entity (an Actor
    whose CustNo was cleared is no longer a customer).
    """

    records: tuple[ErpRecord, ...]
    gone_row_ids: tuple[str, ...]
    cursor: datetime | None


class ErpWriter(Protocol):
    """Every write to the ERP. Each call is atomic on its own and stamps the change."""

    def create(self, entity: ErpEntity, key: str, values: Values, psa_guid: str | None) -> ErpRecord: ...

    def update(self, entity: ErpEntity, row_id: str, values: Values) -> None: ...

    def store_psa_guid(self, entity: ErpEntity, row_id: str, psa_guid: str) -> None: ...

    def set_key(self, entity: ErpEntity, row_id: str, key: str) -> None:
        """The admin's fix of a duplicate or unfit key (`tandem erp set-key`): row `row_id`
        gets `key`. Refused when another row has it, or when rows are found by their key."""
        ...

    def create_invoice(self, draft: ErpInvoiceDraft) -> ErpInvoice: ...


class ErpPort(Protocol):
    """Reads of the ERP. Capabilities: `has_change_stamps`, `limits`."""

    has_change_stamps: bool
    """Incremental reads are possible (ChDt/ChTm present)."""
    limits: SideLimits
    """Which keys are numeric and how long keys and fields may be in the ERP."""

    @property
    def writer(self) -> ErpWriter: ...

    def read(self, entity: ErpEntity) -> Sequence[ErpRecord]: ...

    def read_changed(self, entity: ErpEntity, since: datetime) -> ErpChanges: ...

    def read_number_series(self) -> ErpNumberSeries: ...

    def read_invoices(self, invoice_numbers: Collection[str]) -> Mapping[str, ErpInvoice]:
        """Ledger state of these invoice numbers; numbers the ERP does not have are absent."""
        ...


class PsaMasterDataPort(Protocol):
    """The PSA side of the ERP integration. Capability: `limits`."""

    limits: SideLimits

    def list(self, entity: ErpEntity) -> Sequence[PsaRecord]: ...

    def create(self, entity: ErpEntity, key: str, fields: Values) -> PsaRecord: ...

    def update(self, entity: ErpEntity, guid: str, fields: Values) -> PsaRecord: ...

    def cannot_create(self) -> Mapping[ErpEntity, CreateRefusal]:
        """Entities whose new records `create` would refuse as the PSA is configured now
        (a project with no customer to give it), and why: the planner fails them in
        advance with the same reason, so a preflight and a dry run say what a run does."""
        ...

    def number_series(self) -> PsaNumberSeries: ...

    def list_invoices(self) -> Sequence[PsaInvoice]: ...

    def mark_invoice_paid(self, guid: str, paid_on: date) -> None: ...


class ErpStateStore(Protocol):
    """The integration's own state: links per entity, run records, enabled flag."""

    def links(self, entity: ErpEntity) -> Mapping[str, ErpLink]:
        """This entity's links by PSA guid."""
        ...

    def save_link(self, link: ErpLink) -> None: ...

    def remove_link(self, entity: ErpEntity, psa_guid: str) -> None: ...

    def record_run(self, report: RunReport) -> None: ...

    def runs(self, limit: int = 20) -> Sequence[RunReport]:
        """The latest recorded runs, newest first."""
        ...

    def is_enabled(self) -> bool: ...

    def set_enabled(self, enabled: bool) -> None: ...
