"""The ERP integration core: pure matching, merging, preflight and plans (ERP-2..ERP-6).

No I/O, no ORM, no clock: callers pass both sides' records, the links with their
base snapshots, the rules and `today`, and get back a plan of frozen actions
(`actions`) or a preflight report. The runtime (`tandem.runtime.erp`) executes plans.

    matching   pair records by link, stored guid, then key; hold equal names
    merge      master copies / both-ways field merge against the base snapshot
    planner    plan(inputs) → ErpPlan
    invoices   PSA invoices → ERP bookings, ERP paid → PSA
    preflight  series overlaps + record problems + per-entity counts, verdict
"""

from tandem.erp.actions import (
    Action,
    CreateErpInvoice,
    CreateInErp,
    CreateInPsa,
    EntityPlan,
    ErpPlan,
    LinkInvoice,
    MarkInvoicePaid,
    SyncPair,
)
from tandem.erp.invoices import invoice_numbers_to_read
from tandem.erp.planner import PlanInputs, plan
from tandem.erp.preflight import EntitySummary, PreflightReport, preflight

__all__ = [
    "Action",
    "CreateErpInvoice",
    "CreateInErp",
    "CreateInPsa",
    "EntityPlan",
    "EntitySummary",
    "ErpPlan",
    "LinkInvoice",
    "MarkInvoicePaid",
    "PlanInputs",
    "PreflightReport",
    "SyncPair",
    "invoice_numbers_to_read",
    "plan",
    "preflight",
]
