"""ERP runs: gather both sides, plan (pure), execute, report (ERP-3, ERP-7).

    integration = ErpIntegration(erp, psa, store, rules)
    integration.preflight(now)           → PreflightReport (reads only)
    integration.run(now)                 → RunReport, recorded in the store
    integration.run(now, dry_run=True)   → RunReport of what would happen; writes nothing
    integration.enable(now, force=False) → PreflightReport; refuses a failed preflight
    integration.scheduled_run(now)       → None while disabled, else run(now)
    integration.record_error(now, error) → a run that failed as a whole, where the store keeps it

Typed against the ports only, so the hub (PSA) and a database-backed state store
plug in unchanged. `now` comes from the caller (the scheduler); `clock` only
stamps when a run finished.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from tandem.domain.erp import MASTER_ENTITIES, EntityReport, ErpEntity, ErpRecord, ErpRules, PsaRecord, RunReport
from tandem.domain.errors import ConfigurationError
from tandem.domain.progress import Progress, quiet
from tandem.erp import (
    CreateErpInvoice,
    CreateInErp,
    CreateInPsa,
    ErpPlan,
    LinkInvoice,
    MarkInvoicePaid,
    PlanInputs,
    PreflightReport,
    SyncPair,
    invoice_numbers_to_read,
    plan,
    preflight,
)
from tandem.ports.erp import ErpPort, ErpStateStore, PsaMasterDataPort
from tandem.runtime.erp.executor import EachWriteAlone, ItemGrouping, PlanExecutor
from tandem.runtime.erp.mirror import ErpMirror


@runtime_checkable
class RecordsRunErrors(Protocol):
    """A state store that also keeps runs which failed before producing a report."""

    def record_run_error(self, started_at: datetime, finished_at: datetime, error: str) -> None: ...


class PreflightFailed(ConfigurationError):
    """Enabling was refused: the preflight found blocking problems (use force to override)."""

    def __init__(self, report: PreflightReport) -> None:
        problems = "; ".join(f.message for f in report.blocking)
        super().__init__(f"the preflight failed ({len(report.blocking)} blocking problem(s)): {problems}")
        self.report = report


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ErpIntegration:
    erp: ErpPort
    psa: PsaMasterDataPort
    store: ErpStateStore
    rules: ErpRules
    mirror: ErpMirror = field(default_factory=ErpMirror)
    clock: Callable[[], datetime] = _utc_now
    grouping: ItemGrouping = field(default_factory=EachWriteAlone)
    """How the PSA's and the state's writes are grouped into transactions (see executor)."""
    read_rules: Callable[[], ErpRules] | None = None
    """Where each run reads its rules afresh (they may be changed on Admin → ERP while this
    integration lives); None: `rules` always."""

    def current_rules(self) -> ErpRules:
        """The rules of the run about to start. Rules that changed since the last run drop the
        mirror: an entity switched on, or an exclusion lifted, is read in full."""
        if self.read_rules is not None:
            fresh = self.read_rules()
            if fresh != self.rules:
                self.mirror.forget()
                self.rules = fresh
        return self.rules

    def inputs(self, now: datetime, *, full: bool = False, progress: Progress = quiet) -> PlanInputs:
        """Both sides as the planner wants them; `full` bypasses incremental ERP reads."""
        rules = self.current_rules()
        entities = [e for e in MASTER_ENTITIES if rules.rule(e).transfer]
        needs_customers = rules.transfer_invoices and ErpEntity.CUSTOMER not in entities
        read = [*entities, *([ErpEntity.CUSTOMER] if needs_customers else [])]
        steps, done = len(read) + len(entities) + 2, itertools.count()

        def step() -> None:
            progress("reading the ERP and the PSA", next(done), steps)

        erp_records: dict[ErpEntity, list[ErpRecord]] = {}
        for entity in read:
            step()
            erp_records[entity] = self.mirror.records(self.erp, entity, full=full, now=now)
        psa_records: dict[ErpEntity, Sequence[PsaRecord]] = {}
        for entity in entities:
            step()
            psa_records[entity] = self.psa.list(entity)
        step()
        links = {entity: self.store.links(entity) for entity in [*entities, ErpEntity.INVOICE]}
        step()
        psa_invoices = self.psa.list_invoices() if rules.transfer_invoices else ()
        numbers = invoice_numbers_to_read(psa_invoices, links[ErpEntity.INVOICE])
        progress("reading the ERP and the PSA", steps, steps)
        return PlanInputs(
            erp_records=erp_records,
            psa_records=psa_records,
            links=links,
            rules=rules,
            erp_limits=self.erp.limits,
            psa_limits=self.psa.limits,
            today=now.date(),
            psa_invoices=psa_invoices,
            erp_invoices=self.erp.read_invoices(numbers) if numbers else {},
            psa_cannot_create=self.psa.cannot_create(),
        )

    def preflight(self, now: datetime, *, progress: Progress = quiet) -> PreflightReport:
        inputs = self.inputs(now, full=True, progress=progress)
        return preflight(inputs, self.erp.read_number_series(), self.psa.number_series())

    def run(self, now: datetime, *, dry_run: bool = False, full: bool = False, progress: Progress = quiet) -> RunReport:
        """`progress` hears of the reading, then of each entity's writing, chunk by chunk."""
        the_plan = plan(self.inputs(now, full=full, progress=progress))
        if dry_run:
            return RunReport(now, self.clock(), True, _planned(the_plan))
        executor = PlanExecutor(self.erp, self.psa, self.store, now, self.grouping, progress)
        executed = executor.execute(the_plan)
        report = RunReport(now, self.clock(), False, executed.reports, executed.conflicts)
        self.store.record_run(report)
        return report

    def scheduled_run(self, now: datetime) -> RunReport | None:
        """The timer's entry point (ERP-7, every 10 minutes by default): nothing while disabled."""
        if not self.store.is_enabled():
            return None
        return self.run(now)

    def record_error(self, started_at: datetime, error: BaseException) -> None:
        """Keep a run that failed as a whole (ERP unreachable, a wrong mapping) for the admin.

        Stores that cannot keep such runs (`RecordsRunErrors`) are left alone; the caller logs.
        """
        if isinstance(self.store, RecordsRunErrors):
            self.store.record_run_error(started_at, self.clock(), f"{type(error).__name__}: {error}")

    def enable(self, now: datetime, *, force: bool = False) -> PreflightReport:
        """ERP-3: enabling runs the preflight first and refuses a failed one unless forced."""
        report = self.preflight(now)
        if not report.passed and not force:
            raise PreflightFailed(report)
        self.store.set_enabled(True)
        return report

    def disable(self) -> None:
        self.store.set_enabled(False)


def _planned(the_plan: ErpPlan) -> tuple[EntityReport, ...]:
    """A dry run's report: what the plan would create, update and link."""
    reports = []
    for entity_plan in the_plan.entities:
        created, updated, linked = [], [], []
        for action in entity_plan.actions:
            if isinstance(action, CreateInErp | CreateInPsa | CreateErpInvoice):
                created.append(action.key)
            if isinstance(action, LinkInvoice) or (isinstance(action, SyncPair) and action.new_link):
                linked.append(action.key)
            if (isinstance(action, SyncPair) and action.writes_records) or isinstance(action, MarkInvoicePaid):
                updated.append(action.key)
            if isinstance(action, LinkInvoice) and action.paid_on is not None:
                updated.append(action.key)
        reports.append(
            EntityReport(
                entity_plan.entity,
                tuple(created),
                tuple(updated),
                tuple(linked),
                entity_plan.excluded,
                entity_plan.failures,
            )
        )
    return tuple(reports)
