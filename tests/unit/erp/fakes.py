"""Record builders for the pure-core and runtime tests, and the in-memory stand-ins under
the names these tests know (`FakeErp`, `InMemoryPsaMasterData`, `InMemoryErpStateStore`);
the stand-ins themselves live in `tandem.connectors.memory`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from tandem.connectors.memory.erp import ERP_LIMITS, MemoryErp
from tandem.connectors.memory.master_data import PSA_LIMITS, MemoryErpStateStore, MemoryPsaMasterData
from tandem.domain.erp import (
    BaseSnapshot,
    ErpEntity,
    ErpLink,
    ErpRecord,
    ErpRules,
    PsaRecord,
    default_rules,
)
from tandem.erp import ErpPlan, PlanInputs, plan
from tandem.erp.names import split_full_name

T0 = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
TODAY = date(2025, 3, 1)

C, E, D, P, J = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.DEPARTMENT, ErpEntity.PRODUCT, ErpEntity.PROJECT

InMemoryPsaMasterData = MemoryPsaMasterData
InMemoryErpStateStore = MemoryErpStateStore


def erp(
    entity: ErpEntity,
    key: str | None,
    name: str,
    *,
    email: str | None = None,
    row: str | None = None,
    groups: Mapping[str, str] | None = None,
    guid: str | None = None,
    at: datetime | None = T0,
) -> ErpRecord:
    fields: dict[str, str | None] = {"name": name}
    if entity in (C, E):
        fields["email"] = email
    return ErpRecord(entity, row or f"row-{key}", key, fields, dict(groups or {}), guid, at)


def psa(
    entity: ErpEntity,
    key: str | None,
    name: str,
    *,
    guid: str | None = None,
    email: str | None = None,
    at: datetime | None = T0,
    **extra: str | None,
) -> PsaRecord:
    fields: dict[str, str | None]
    if entity is E:
        first, last = split_full_name(name)
        fields = {"first_name": first, "last_name": last, "email": email}
    else:
        fields = {"name": name}
        if entity is C:
            fields["email"] = email
    fields.update(extra)
    return PsaRecord(entity, guid or f"g-{entity}-{key or name}", key, fields, at)


def link(entity: ErpEntity, guid: str, key: str, **base: str | None) -> ErpLink:
    return ErpLink(entity, guid, key, BaseSnapshot(dict(base)) if base else None, T0)


def inputs(
    erp_records: Sequence[ErpRecord] = (),
    psa_records: Sequence[PsaRecord] = (),
    links: Sequence[ErpLink] = (),
    rules: ErpRules | None = None,
    **kwargs: object,
) -> PlanInputs:
    by_entity_erp: dict[ErpEntity, list[ErpRecord]] = {}
    for record in erp_records:
        by_entity_erp.setdefault(record.entity, []).append(record)
    by_entity_psa: dict[ErpEntity, list[PsaRecord]] = {}
    for psa_record in psa_records:
        by_entity_psa.setdefault(psa_record.entity, []).append(psa_record)
    by_entity_links: dict[ErpEntity, dict[str, ErpLink]] = {}
    for one in links:
        by_entity_links.setdefault(one.entity, {})[one.psa_guid] = one
    return PlanInputs(
        erp_records=by_entity_erp,
        psa_records=by_entity_psa,
        links=by_entity_links,
        rules=rules or default_rules(),
        erp_limits=ERP_LIMITS,
        psa_limits=PSA_LIMITS,
        today=TODAY,
        **kwargs,  # type: ignore[arg-type]
    )


def plan_for(*args: object, **kwargs: object) -> ErpPlan:
    return plan(inputs(*args, **kwargs))  # type: ignore[arg-type]


class FakeErp(MemoryErp):
    """The in-memory ERP (`tandem.connectors.memory.erp.MemoryErp`) with its clock at T0."""

    def __init__(self, records: Sequence[ErpRecord] = (), *, now: datetime = T0) -> None:
        super().__init__(records, now=now, limits=ERP_LIMITS)
