"""The rules form of Admin → ERP (ERP-1, ERP-4, ERP-5, ERP-6): what each entity's row shows,
and the form read back into the core's rules with a message beside each field it refuses.

    rows = rule_rows(rules)                 → one `RuleRow` per entity, as runs apply them now
    rows = typed_rows(sent)                 → the same from a refused form: what was typed
    rules, errors = read_form(sent)         → `ErpRules`, or None and {field id: message}

Field names are `<setting>:<entity>` (`transfer:customer`, `master:project`,
`exclusion-field:employee`...); messages are keyed `<setting>-<entity>`, the id the page
puts on the message and on the field's `aria-describedby`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tandem.domain.erp import GROUP_FIELDS, MASTER_ENTITIES, EntityRule, ErpEntity, ErpRules, GroupExclusion, Side
from tandem.runtime.erp.settings import GROUP_VALUE_MAX

ON = "on"
FORM = "rules"
"""The hidden `form` field of the rules form: a page shown again shows what was typed."""


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One entity's rule as the form shows it."""

    entity: str
    transfer: bool
    master: str
    create_in_psa: bool
    create_in_erp: bool
    exclusion_field: str
    exclusion_value: str


def rule_rows(rules: ErpRules) -> list[RuleRow]:
    rows = []
    for entity in MASTER_ENTITIES:
        rule = rules.rule(entity)
        exclusion = rule.exclusion
        rows.append(
            RuleRow(
                entity.value,
                rule.transfer,
                rule.master.value,
                rule.create_in_psa,
                rule.create_in_erp,
                exclusion.field if exclusion else "",
                exclusion.value if exclusion else "",
            )
        )
    return rows


def typed_rows(sent: Mapping[str, str]) -> list[RuleRow]:
    """The rows as they were sent (a refused form keeps every choice and every typed value)."""
    return [
        RuleRow(
            e,
            sent.get(f"transfer:{e}") == ON,
            sent.get(f"master:{e}", ""),
            sent.get(f"create_in_psa:{e}") == ON,
            sent.get(f"create_in_erp:{e}") == ON,
            sent.get(f"exclusion-field:{e}", ""),
            sent.get(f"exclusion-value:{e}", ""),
        )
        for e in (entity.value for entity in MASTER_ENTITIES)
    ]


def read_form(sent: Mapping[str, str]) -> tuple[ErpRules | None, dict[str, str]]:
    """The rules the form asks for, or None and a message per field it refuses."""
    errors: dict[str, str] = {}
    entities: dict[ErpEntity, EntityRule] = {}
    for entity, row in zip(MASTER_ENTITIES, typed_rows(sent), strict=True):
        master = _side(row.master)
        if master is None:
            errors[f"master-{row.entity}"] = "Choose where updates come from: the PSA, the ERP or both ways."
        exclusion, problem = _exclusion(row.exclusion_field, row.exclusion_value.strip())
        if problem:
            errors[f"exclusion-{row.entity}"] = problem
        if master is not None and not problem:
            entities[entity] = EntityRule(row.transfer, master, row.create_in_psa, row.create_in_erp, exclusion)
    if errors:
        return None, errors
    return ErpRules(entities=entities, transfer_invoices=sent.get("transfer_invoices") == ON), {}


def _side(text: str) -> Side | None:
    try:
        return Side(text)
    except ValueError:
        return None


def _exclusion(field: str, value: str) -> tuple[GroupExclusion | None, str | None]:
    if not field:
        if value:
            return None, "Choose the Group field that holds this value, or clear the value."
        return None, None
    if field not in GROUP_FIELDS:
        return None, "Choose a Group field (Gr, Gr2 … Gr12), or none."
    if not value:
        return None, f"Type the value of {field} that keeps a record out (for example 1)."
    if len(value) > GROUP_VALUE_MAX or not value.isprintable():
        return None, f"The value is at most {GROUP_VALUE_MAX} printable characters."
    return GroupExclusion(field, value), None
