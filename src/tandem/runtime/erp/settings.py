"""`[erp]` integration rules that are not about Visma: which entities transfer, masters.

The lead nests `ErpSyncSettings` into Tandem's settings; the Group-field exclusions
come from the ERP adapter's settings (`[erp.visma].exclusions`) because a Group
field is a Visma Business notion.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pydantic import BaseModel, Field

from tandem.domain.erp import DEFAULT_MASTER, MASTER_ENTITIES, EntityRule, ErpEntity, ErpRules, GroupExclusion, Side


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
