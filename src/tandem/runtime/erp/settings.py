"""`[erp]` integration rules that are not about Visma: which entities transfer, masters;
and the same rules as an admin saves them on Admin → ERP.

The lead nests `ErpSyncSettings` into Tandem's settings; the Group-field exclusions
come from the ERP adapter's settings (`[erp.visma].exclusions`) because a Group
field is a Visma Business notion.

    rules_in_force(settings, toml_exclusions, saved, only)  → the ErpRules every run applies

Rules saved on the page (`SavedRules`, kept in the hub's database) replace tandem.toml's
`[erp.entities]`, `transfer_invoices` and `[erp.visma.exclusions]` as a whole while they
are saved; "Use tandem.toml's rules" on the page removes them again (docs/erp.md).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from pydantic import BaseModel, Field

from tandem.domain.erp import (
    DEFAULT_MASTER,
    MASTER_ENTITIES,
    EntityRule,
    ErpEntity,
    ErpRules,
    GroupExclusion,
    Side,
)

GROUP_VALUE_MAX = 20
"""The longest Group-field value a rule may name (Visma's Group fields are short codes)."""


class ErpEntitySettings(BaseModel):
    transfer: bool = Field(True, description="ERP-1: does this entity transfer at all?")
    master: Side | None = Field(None, description="Where updates come from; default as ERP.md (ERP-5).")
    create_in_psa: bool = Field(True, description="New ERP records are created in the PSA.")
    create_in_erp: bool = Field(True, description="New PSA records are created in the ERP.")


class ErpSyncSettings(BaseModel):
    entities: dict[ErpEntity, ErpEntitySettings] = Field(default_factory=dict)
    transfer_invoices: bool = Field(True, description="ERP-6: numbered PSA invoices go to the ERP.")
    full_read_every: int = Field(6, ge=1, description="Every n-th run reads the ERP fully (others incrementally).")

    def rules(
        self, exclusions: Mapping[ErpEntity, GroupExclusion] | None = None, only: Collection[ErpEntity] | None = None
    ) -> ErpRules:
        """The core's rules. `only`: a run limited to these entities (`tandem erp run --entity`);
        invoices go along only when `ErpEntity.INVOICE` is among them."""
        exclusions = exclusions or {}
        entities: dict[ErpEntity, EntityRule] = {}
        for entity in MASTER_ENTITIES:
            chosen = self.entities.get(entity, ErpEntitySettings())
            entities[entity] = EntityRule(
                transfer=chosen.transfer and (only is None or entity in only),
                master=chosen.master or DEFAULT_MASTER[entity],
                create_in_psa=chosen.create_in_psa,
                create_in_erp=chosen.create_in_erp,
                exclusion=exclusions.get(entity),
            )
        invoices = self.transfer_invoices and (only is None or ErpEntity.INVOICE in only)
        return ErpRules(entities=entities, transfer_invoices=invoices)


class SavedRules(BaseModel):
    """The rules as an admin saved them on Admin → ERP: every entity's, the invoices', the
    exclusions; who saved them and when."""

    entities: dict[ErpEntity, ErpEntitySettings]
    transfer_invoices: bool
    exclusions: dict[ErpEntity, GroupExclusion] = Field(default_factory=dict)
    """Checked as the domain checks them (`GroupExclusion.__post_init__`: a Group field)."""
    saved_at: datetime
    saved_by: str

    @classmethod
    def from_rules(cls, rules: ErpRules, saved_at: datetime, saved_by: str) -> SavedRules:
        """`rules` (every entity's, as the core takes them) to keep."""
        entities, exclusions = {}, {}
        for entity in MASTER_ENTITIES:
            rule = rules.rule(entity)
            entities[entity] = ErpEntitySettings(
                transfer=rule.transfer,
                master=rule.master,
                create_in_psa=rule.create_in_psa,
                create_in_erp=rule.create_in_erp,
            )
            if rule.exclusion is not None:
                exclusions[entity] = rule.exclusion
        return cls(
            entities=entities,
            transfer_invoices=rules.transfer_invoices,
            exclusions=exclusions,
            saved_at=saved_at,
            saved_by=saved_by,
        )

    @classmethod
    def from_json(cls, text: str | None) -> SavedRules | None:
        return None if text is None else cls.model_validate_json(text)


def rules_in_force(
    settings: ErpSyncSettings,
    toml_exclusions: Mapping[ErpEntity, GroupExclusion],
    saved: SavedRules | None,
    only: Collection[ErpEntity] | None = None,
) -> ErpRules:
    """The rules a run applies: those saved on the page when there are any, else
    tandem.toml's (`settings` with the ERP adapter's Group-field exclusions)."""
    if saved is None:
        return settings.rules(toml_exclusions, only)
    chosen = settings.model_copy(update={"entities": saved.entities, "transfer_invoices": saved.transfer_invoices})
    return chosen.rules(saved.exclusions, only)
