"""The preflight (ERP-3): what would go wrong and what a run would do, before it runs.

It answers the seed's questions: do the customer number series overlap? do the
invoice number series overlap (ERP voucher series vs the PSA's invoice numbering)?
Then every record-level problem the planner meets (duplicate keys, records without
keys, name mismatches on equal keys, equal names on different keys, ERP employees
without email, records renumbered since linking), and per entity the counts a run
would create, link, update, exclude and fail. The verdict: passed when nothing
blocking was found (`findings.SEVERITY`).

Series overlap: the PSA's numbering has no upper limit — it starts at its next
number and grows — so an ERP series overlaps it unless the ERP series ends below
it; an invoice series also overlaps when it holds an invoice number the PSA has
issued. That is the seed's rule "these number sequences cannot overlap", read
strictly: place the PSA's series above every ERP series. Each finding names its
fix (`fixes`): the command that moves the PSA's next number, when that is enough.
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
from tandem.erp import fixes
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


def _holds(erp: NumberSeries, numbers: Sequence[int]) -> list[int]:
    """The PSA's issued numbers that fall inside an ERP series."""
    return [n for n in numbers if erp.first <= n and (erp.last is None or n <= erp.last)]


def _above(series: Sequence[NumberSeries]) -> int | None:
    """The first number above every one of these series (None: one has no end)."""
    ends = [s.last for s in series]
    return None if None in ends else max((end for end in ends if end is not None), default=0) + 1


def series_findings(
    erp_series: ErpNumberSeries, psa_series: PsaNumberSeries, psa_invoices: Sequence[PsaInvoice]
) -> list[Finding]:
    """ERP series that reach the PSA's next number, or hold an invoice number the PSA has
    issued. The fix moves the PSA's next number above them: a command when that is enough."""
    findings: list[Finding] = []
    customer_next = psa_series.next_customer_number
    if customer_next is not None:
        reaching = [s for s in erp_series.customer if overlaps(s, customer_next)]
        above = _above(reaching)
        findings.extend(
            finding(
                FindingKind.CUSTOMER_SERIES_OVERLAP,
                ErpEntity.CUSTOMER,
                Side.BOTH,
                (series.series_id,),
                f"ERP customer number series {series.series_id} ({series.first}–{series.last}) overlaps the PSA's "
                f"customer numbering (next number {customer_next}); set the PSA's next customer number above it",
                fixes.next_customer_number(above) if above is not None else "",
            )
            for series in reaching
        )
    issued = sorted(int(i.number) for i in psa_invoices if i.number is not None and i.number.isdigit())
    invoice_next = psa_series.next_invoice_number
    reaching = [s for s in erp_series.invoice if invoice_next is not None and overlaps(s, invoice_next)]
    above = _above(reaching)
    for series in erp_series.invoice:
        inside = _holds(series, issued)
        if inside:
            where = f"holds invoice number(s) the PSA has issued ({', '.join(map(str, inside[:3]))}…)"
            fix = ""  # issued numbers stay: the ERP's series must end below them
            advice = f"end the ERP series below {inside[0]}"
        elif series in reaching:
            where = f"overlaps the PSA's invoice numbering (next number {invoice_next})"
            fix = fixes.next_invoice_number(above) if above is not None else ""
            advice = "set the PSA's next invoice number above it"
        else:
            continue
        findings.append(
            finding(
                FindingKind.INVOICE_SERIES_OVERLAP,
                ErpEntity.INVOICE,
                Side.BOTH,
                (series.series_id,),
                f"ERP voucher series {series.series_id} ({series.first}–{series.last}) {where}; {advice}",
                fix,
            )
        )
    return findings
