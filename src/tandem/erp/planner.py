"""`plan(inputs)`: everything a run would do, as frozen actions, without doing any of it.

Per entity, in `MASTER_ENTITIES` order: pair the records (`matching`), decide the
values of each pair (`merge`), and turn unpaired records into creates on the other
side where the rules allow. A record that cannot transfer — no key, a key the
other side cannot hold, a name too long for it, a key already taken there —
becomes a failure with its reason and the plan goes on. Then invoices (`invoices`).

Pure: the inputs are values (both sides' records, links with base snapshots, rules,
the sides' limits, `today`), the result is a value. Planning twice over unchanged
data gives an empty plan the second time, because the first run's base snapshots
and links record exactly what it wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from tandem.domain.erp import (
    MASTER_ENTITIES,
    BaseSnapshot,
    CreateRefusal,
    EntityRule,
    ErpEntity,
    ErpInvoice,
    ErpLink,
    ErpRecord,
    ErpRules,
    ExcludedItem,
    Failure,
    Finding,
    FindingKind,
    PsaInvoice,
    PsaRecord,
    Side,
    SideLimits,
)
from tandem.erp import fixes
from tandem.erp.actions import Action, CreateInErp, CreateInPsa, EntityPlan, ErpPlan, SyncPair
from tandem.erp.fields import erp_values, key_problem, psa_values, to_psa_fields, values_problem
from tandem.erp.findings import finding
from tandem.erp.holds import hold_equal_names, names_after
from tandem.erp.invoices import plan_invoices
from tandem.erp.matching import EntityMatch, Pair, match_entity
from tandem.erp.merge import resolve


@dataclass(frozen=True, slots=True)
class PlanInputs:
    erp_records: Mapping[ErpEntity, Sequence[ErpRecord]]
    psa_records: Mapping[ErpEntity, Sequence[PsaRecord]]
    links: Mapping[ErpEntity, Mapping[str, ErpLink]]
    rules: ErpRules
    erp_limits: SideLimits
    psa_limits: SideLimits
    today: date
    psa_invoices: Sequence[PsaInvoice] = ()
    erp_invoices: Mapping[str, ErpInvoice] = field(default_factory=dict)
    psa_cannot_create: Mapping[ErpEntity, CreateRefusal] = field(default_factory=dict)
    """Entities the PSA cannot create records of as configured, and why (the PSA port's
    `cannot_create`): a new record of one fails with that reason, in a dry run as in a run."""


def plan(inputs: PlanInputs) -> ErpPlan:
    entity_plans: list[EntityPlan] = []
    erp_customer_keys: set[str] = set()
    for entity in MASTER_ENTITIES:
        rule = inputs.rules.rule(entity)
        if not rule.transfer:
            continue
        match = match_entity(
            entity,
            inputs.erp_records.get(entity, ()),
            inputs.psa_records.get(entity, ()),
            inputs.links.get(entity, {}),
            rule.exclusion,
        )
        entity_plan = plan_entity(
            match, rule, inputs.erp_limits, inputs.psa_limits, inputs.psa_cannot_create.get(entity)
        )
        entity_plans.append(entity_plan)
        if entity is ErpEntity.CUSTOMER:
            erp_customer_keys = set(match.erp_keys) | {a.key for a in entity_plan.actions if isinstance(a, CreateInErp)}
    if not inputs.rules.rule(ErpEntity.CUSTOMER).transfer:
        erp_customer_keys = {r.key for r in inputs.erp_records.get(ErpEntity.CUSTOMER, ()) if r.key is not None}
    if inputs.rules.transfer_invoices:
        entity_plans.append(
            plan_invoices(
                inputs.psa_invoices,
                inputs.erp_invoices,
                inputs.links.get(ErpEntity.INVOICE, {}),
                frozenset(erp_customer_keys),
                inputs.erp_limits,
                inputs.today,
            )
        )
    return ErpPlan(tuple(entity_plans))


@dataclass
class _EntityWork:
    match: EntityMatch
    rule: EntityRule
    erp_limits: SideLimits
    psa_limits: SideLimits
    cannot_create_in_psa: CreateRefusal | None = None
    actions: list[Action] = field(default_factory=list)
    excluded: list[ExcludedItem] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    findings: dict[object, Finding] = field(default_factory=dict)

    def find(self, item: Finding) -> None:
        self.findings.setdefault(item.ref, item)


def plan_entity(
    match: EntityMatch,
    rule: EntityRule,
    erp_limits: SideLimits,
    psa_limits: SideLimits,
    cannot_create_in_psa: CreateRefusal | None = None,
) -> EntityPlan:
    work = _EntityWork(match, rule, erp_limits, psa_limits, cannot_create_in_psa)
    agreed: dict[tuple[str, str], str | None] = {}
    for pair in match.pairs:
        agreed[("erp", pair.erp.row_id)], agreed[("psa", pair.psa.guid)] = _plan_pair(work, pair)
    holds = hold_equal_names(
        match.entity, match.erp_only, match.psa_only, *names_after(match.erp_active, match.psa_records, agreed)
    )
    work.failures.extend(holds.failures)
    for erp_record in holds.erp_kept:
        _plan_create_in_psa(work, erp_record)
    for psa_record in holds.psa_kept:
        _plan_create_in_erp(work, psa_record)
    findings = [*match.findings, *holds.findings, *work.findings.values()]
    findings.extend(
        finding(
            FindingKind.EMPLOYEE_WITHOUT_EMAIL,
            match.entity,
            Side.ERP,
            (item.key or "",),
            f"ERP employee {item.key} has no email and will not reach the PSA",
        )
        for item in work.excluded
        if item.reason == _NO_EMAIL
    )
    return EntityPlan(
        entity=match.entity,
        actions=tuple(work.actions),
        excluded=(*match.excluded, *work.excluded),
        failures=(*match.failures, *work.failures),
        findings=tuple(sorted(findings, key=lambda f: f.ref)),
    )


_NO_EMAIL = "an ERP employee reaches the PSA only with an email (ERP-5)"


def _plan_pair(work: _EntityWork, pair: Pair) -> tuple[str | None, str | None]:
    """Plan one pair; returns the names the ERP and the PSA record will have after the run."""
    entity, key = work.match.entity, pair.psa.key or ""
    base = pair.link.base.values if pair.link is not None and pair.link.base is not None else None
    resolution = resolve(
        entity,
        key,
        work.rule.master,
        psa_values(pair.psa),
        erp_values(pair.erp),
        base,
        pair.psa.changed_at,
        pair.erp.changed_at,
    )
    problem = values_problem(entity, resolution.to_erp, work.erp_limits, "the ERP") or values_problem(
        entity, resolution.to_psa, work.psa_limits, "the PSA"
    )
    if problem is not None:
        work.failures.append(Failure(key, problem, None, pair.psa.guid))
        return pair.erp.name, psa_values(pair.psa)["name"]  # both keep what they have
    store_guid = pair.erp.psa_guid != pair.psa.guid
    base_changed = base is None or dict(base) != resolution.agreed
    if not (pair.link is None or store_guid or resolution.to_erp or resolution.to_psa or base_changed):
        return resolution.agreed.get("name"), resolution.agreed.get("name")
    work.actions.append(
        SyncPair(
            entity=entity,
            key=key,
            psa_guid=pair.psa.guid,
            erp_row_id=pair.erp.row_id,
            to_erp=resolution.to_erp,
            to_psa=to_psa_fields(entity, resolution.to_psa, creating=False),
            store_guid=store_guid,
            new_link=pair.link is None,
            base=BaseSnapshot(resolution.agreed),
            conflicts=resolution.conflicts,
        )
    )
    return resolution.agreed.get("name"), resolution.agreed.get("name")


def _plan_create_in_psa(work: _EntityWork, record: ErpRecord) -> None:
    entity, key = work.match.entity, record.key or ""
    values = erp_values(record)
    if not work.rule.create_in_psa:
        work.excluded.append(ExcludedItem(key, "new ERP records are not created in the PSA (setting)"))
        return
    if entity is ErpEntity.EMPLOYEE and not values.get("email"):
        work.excluded.append(ExcludedItem(key, _NO_EMAIL))
        return
    unfit = key_problem(entity, key, work.psa_limits, "the PSA")
    if unfit is not None:
        fix = fixes.erp_key(entity, record.row_id, work.match.free_keys.take(key))
        work.find(_unfit(entity, Side.ERP, key, record.name, unfit, fix))
    problem = (
        ("the PSA already has a record with this key" if key in work.match.psa_keys else None)
        or unfit
        or values_problem(entity, values, work.psa_limits, "the PSA")
    )
    refusal = work.cannot_create_in_psa
    if problem is None and refusal is not None:
        problem = refusal.reason
        work.find(finding(FindingKind.CANNOT_CREATE, entity, Side.PSA, (), refusal.reason, refusal.fix))
    if problem is not None:
        work.failures.append(Failure(key, problem, Side.ERP, record.psa_guid))
        return
    work.actions.append(
        CreateInPsa(entity, key, record.row_id, to_psa_fields(entity, values, creating=True), BaseSnapshot(values))
    )


def _plan_create_in_erp(work: _EntityWork, record: PsaRecord) -> None:
    entity, key = work.match.entity, record.key or ""
    values = psa_values(record)
    if not work.rule.create_in_erp:
        work.excluded.append(ExcludedItem(key, "new PSA records are not created in the ERP (setting)", Side.PSA))
        return
    unfit = key_problem(entity, key, work.erp_limits, "the ERP")
    if unfit is not None:
        free = work.match.free_keys.take("" if entity in work.erp_limits.numeric_keys else key)
        fix = (
            fixes.user_code(record.fields.get("email"), record.guid, free)
            if entity is ErpEntity.EMPLOYEE
            else fixes.psa_key(entity, record.guid, free)
        )
        work.find(_unfit(entity, Side.PSA, key, values.get("name"), unfit, fix))
    problem = (
        ("the ERP already has a record with this key" if key in work.match.erp_keys else None)
        or unfit
        or values_problem(entity, values, work.erp_limits, "the ERP")
    )
    if problem is not None:
        work.failures.append(Failure(key, problem, Side.PSA, record.guid))
        return
    work.actions.append(CreateInErp(entity, key, record.guid, values, BaseSnapshot(values)))


def _unfit(entity: ErpEntity, side: Side, key: str, name: str | None, problem: str, fix: str) -> Finding:
    system = "PSA" if side is Side.PSA else "ERP"
    named = f" ({name})" if name else ""
    return finding(
        FindingKind.UNFIT_KEY, entity, side, (key,), f"{system} {entity} {key!r}{named} cannot cross: {problem}", fix
    )
