"""Which values a linked pair should hold, and which side must be written (ERP-5, BEY-2).

An entity with one master (projects: PSA, products: ERP) simply copies the
master's values over the other side. A both-ways entity (customers, users, business
units) merges field by field against the base snapshot — the values both sides
last agreed on — so an edit on one side flows to the other and an edit on both
sides is a *conflict*: the newer change (by change stamp) wins and the conflict is
recorded with both values. Without a base (a pair seen for the first time) the newer
record wins as a whole.

The per-field decision is a table, `FIELD_DECISIONS`, keyed by
(PSA changed since base, ERP changed since base).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tandem.domain.erp import Conflict, ErpEntity, Side, Values


class FieldDecision(enum.Enum):
    KEEP = "keep"
    TAKE_PSA = "take_psa"
    TAKE_ERP = "take_erp"
    BOTH_CHANGED = "both_changed"
    """Equal new values agree; different ones are a conflict the newer side wins."""


FIELD_DECISIONS: Mapping[tuple[bool, bool], FieldDecision] = {
    (False, False): FieldDecision.KEEP,
    (True, False): FieldDecision.TAKE_PSA,
    (False, True): FieldDecision.TAKE_ERP,
    (True, True): FieldDecision.BOTH_CHANGED,
}


@dataclass(frozen=True, slots=True)
class Resolution:
    agreed: dict[str, str | None]
    """The values both sides hold once the writes are done: the next base."""
    to_erp: dict[str, str | None]
    to_psa: dict[str, str | None]
    conflicts: tuple[Conflict, ...] = ()


def newer_side(psa_changed_at: datetime | None, erp_changed_at: datetime | None) -> Side:
    """The side changed last; an unknown stamp counts as oldest, and a tie goes to the ERP.

    The ERP stamps whole minutes (ChTm is HHMM), so an ERP edit late in a minute can
    lose to a PSA edit earlier in that minute; ties favour the ERP to soften that.
    """
    if psa_changed_at is None:
        return Side.ERP
    if erp_changed_at is None:
        return Side.PSA
    return Side.PSA if psa_changed_at > erp_changed_at else Side.ERP


def _differences(source: Values, target: Values) -> dict[str, str | None]:
    return {name: value for name, value in source.items() if target.get(name) != value}


def resolve(
    entity: ErpEntity,
    key: str,
    master: Side,
    psa: Values,
    erp: Values,
    base: Values | None,
    psa_changed_at: datetime | None,
    erp_changed_at: datetime | None,
) -> Resolution:
    if master is Side.PSA or (
        master is Side.BOTH and base is None and newer_side(psa_changed_at, erp_changed_at) is Side.PSA
    ):
        return Resolution(agreed=dict(psa), to_erp=_differences(psa, erp), to_psa={})
    if master is Side.ERP or base is None:
        return Resolution(agreed=dict(erp), to_erp={}, to_psa=_differences(erp, psa))
    return _merge(entity, key, psa, erp, base, newer_side(psa_changed_at, erp_changed_at))


def _merge(entity: ErpEntity, key: str, psa: Values, erp: Values, base: Values, newer: Side) -> Resolution:
    agreed: dict[str, str | None] = {}
    conflicts: list[Conflict] = []
    for name in psa.keys() | erp.keys():
        psa_value, erp_value, base_value = psa.get(name), erp.get(name), base.get(name)
        decision = FIELD_DECISIONS[(psa_value != base_value, erp_value != base_value)]
        if decision is FieldDecision.TAKE_ERP:
            agreed[name] = erp_value
        elif decision is FieldDecision.BOTH_CHANGED and psa_value != erp_value:
            agreed[name] = psa_value if newer is Side.PSA else erp_value
            conflicts.append(Conflict(entity, key, name, base_value, psa_value, erp_value, newer))
        else:
            # KEEP, TAKE_PSA, and BOTH_CHANGED to the same value: the PSA already holds it.
            agreed[name] = psa_value
    return Resolution(
        agreed=agreed,
        to_erp=_differences(agreed, erp),
        to_psa=_differences(agreed, psa),
        conflicts=tuple(sorted(conflicts, key=lambda c: c.field)),
    )
