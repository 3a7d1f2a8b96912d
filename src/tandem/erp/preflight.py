"""The preflight (ERP-3): what would go wrong and what a run would do, before it runs.

It answers the seed's questions: do the customer number series overlap? do the
invoice number series overlap (ERP voucher series vs the PSA's invoice numbering)?
Then every record-level problem the planner meets (duplicate keys, records without
keys, name mismatches on equal keys, equal names on different keys, ERP employees
without email, records renumbered since linking), and per entity the counts a run
would create, link, update, exclude and fail. The verdict: passed when nothing
blocking was found (`findings.SEVERITY`).

Series overlap: the PSA's numbering has no upper limit — it starts at its next
number (or its lowest issued invoice number) and grows — so an ERP series
overlaps it unless the ERP series ends below it. That is the seed's rule "these
number sequences cannot overlap", read strictly: place the PSA's series above
every ERP series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tandem.domain.erp import (
    ErpEntity,
    ErpNumberSeries,
    Finding,
    FindingKind,
    NumberSeries,
    PsaInvoice,
    PsaNumberSeries,
    Severity,
    Side,
)
from tandem.erp.actions import (
    CreateErpInvoice,
    CreateInErp,
    CreateInPsa,
    EntityPlan,
    ErpPlan,
    LinkInvoice,
    MarkInvoicePaid,
    SyncPair,
)
from tandem.erp.findings import finding
from tandem.erp.planner import PlanInputs, plan


@dataclass(frozen=True, slots=True)
class EntitySummary:
    entity: ErpEntity
    create_in_erp: int = 0
    create_in_psa: int = 0
    link: int = 0
    update: int = 0
    exclude: int = 0
    fail: int = 0


@dataclass(frozen=True, slots=True)
class PreflightReport:
    findings: tuple[Finding, ...]
    summaries: tuple[EntitySummary, ...]
    plan: ErpPlan

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.BLOCKING)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def passed(self) -> bool:
        return not self.blocking

    def summary(self, entity: ErpEntity) -> EntitySummary:
        for summary in self.summaries:
            if summary.entity is entity:
                return summary
        return EntitySummary(entity)


def preflight(inputs: PlanInputs, erp_series: ErpNumberSeries, psa_series: PsaNumberSeries) -> PreflightReport:
    the_plan = plan(inputs)
    findings = [
        *series_findings(erp_series, psa_series, inputs.psa_invoices),
        *the_plan.findings,
    ]
    return PreflightReport(
        findings=tuple(findings),
        summaries=tuple(summarize(entity_plan) for entity_plan in the_plan.entities),
        plan=the_plan,
    )


def summarize(entity_plan: EntityPlan) -> EntitySummary:
    counts = {"create_in_erp": 0, "create_in_psa": 0, "link": 0, "update": 0}
    for action in entity_plan.actions:
        if isinstance(action, CreateInErp | CreateErpInvoice):
            counts["create_in_erp"] += 1
        elif isinstance(action, CreateInPsa):
            counts["create_in_psa"] += 1
        elif isinstance(action, LinkInvoice) or (isinstance(action, SyncPair) and action.new_link):
            counts["link"] += 1
        if (isinstance(action, SyncPair) and action.writes_records) or isinstance(action, MarkInvoicePaid):
            counts["update"] += 1
    return EntitySummary(
        entity_plan.entity,
        exclude=len(entity_plan.excluded),
        fail=len(entity_plan.failures),
        **counts,
    )


def overlaps(erp: NumberSeries, psa_first: int) -> bool:
    """An ERP series overlaps the open-ended PSA series starting at `psa_first`."""
    return erp.last is None or erp.last >= psa_first


def series_findings(
    erp_series: ErpNumberSeries, psa_series: PsaNumberSeries, psa_invoices: Sequence[PsaInvoice]
) -> list[Finding]:
    findings: list[Finding] = []
    customer_first = psa_series.next_customer_number
    if customer_first is not None:
        findings.extend(
            finding(
                FindingKind.CUSTOMER_SERIES_OVERLAP,
                ErpEntity.CUSTOMER,
                Side.BOTH,
                (series.series_id,),
                f"ERP customer number series {series.series_id} ({series.first}–{series.last}) overlaps the PSA's "
                f"customer numbering from {customer_first}; set the PSA's next customer number above it",
            )
            for series in erp_series.customer
            if overlaps(series, customer_first)
        )
    issued = [int(i.number) for i in psa_invoices if i.number is not None and i.number.isdigit()]
    starts = [*issued, *([psa_series.next_invoice_number] if psa_series.next_invoice_number is not None else [])]
    if starts:
        invoice_first = min(starts)
        findings.extend(
            finding(
                FindingKind.INVOICE_SERIES_OVERLAP,
                ErpEntity.INVOICE,
                Side.BOTH,
                (series.series_id,),
                f"ERP voucher series {series.series_id} ({series.first}–{series.last}) overlaps the PSA's invoice "
                f"numbering from {invoice_first}; set the PSA's next invoice number above it",
            )
            for series in erp_series.invoice
            if overlaps(series, invoice_first)
        )
    return findings
