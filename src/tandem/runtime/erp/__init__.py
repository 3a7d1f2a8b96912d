"""ERP runs: executing ERP plans against the ports, run reports, the enable guard.

runs       ErpIntegration (preflight, run, dry run, enable/disable, scheduled_run),
           PreflightFailed
executor   PlanExecutor: one record at a time, each in its own try/except;
           ItemGrouping: how the PSA's and the state's writes share transactions;
           TwoDatabases: the hub's and the ERP's writes in batches, the ERP's committed first
mirror     ErpMirror: the ERP's records between runs, incremental reads
schedule   run_forever: every `[erp] interval_s` inside `tandem serve` (ERP-7)
settings   ErpSyncSettings: `[erp]` transfer/master rules → ErpRules; SavedRules (the
           page's), rules_in_force (the page's when saved, else tandem.toml's)
"""

from typing import TYPE_CHECKING

from tandem import lazy

if TYPE_CHECKING:
    from tandem.runtime.erp.executor import EachWriteAlone, ItemGrouping, PlanExecutor, TwoDatabases
    from tandem.runtime.erp.mirror import ErpMirror
    from tandem.runtime.erp.runs import ErpIntegration, PreflightFailed, RecordsRunErrors
    from tandem.runtime.erp.schedule import run_forever
    from tandem.runtime.erp.settings import ErpEntitySettings, ErpSyncSettings, SavedRules, rules_in_force
    from tandem.runtime.erp.text import describe_preflight, describe_run
else:  # imported when first used (`tandem.lazy`): `tandem.config` needs only `settings`
    __getattr__ = lazy.exports(
        __name__,
        {
            "EachWriteAlone": "executor",
            "ErpEntitySettings": "settings",
            "ErpIntegration": "runs",
            "ErpMirror": "mirror",
            "ErpSyncSettings": "settings",
            "ItemGrouping": "executor",
            "PlanExecutor": "executor",
            "PreflightFailed": "runs",
            "RecordsRunErrors": "runs",
            "SavedRules": "settings",
            "TwoDatabases": "executor",
            "describe_preflight": "text",
            "describe_run": "text",
            "rules_in_force": "settings",
            "run_forever": "schedule",
        },
    )

__all__ = [
    "EachWriteAlone",
    "ErpEntitySettings",
    "ErpIntegration",
    "ErpMirror",
    "ErpSyncSettings",
    "ItemGrouping",
    "PlanExecutor",
    "PreflightFailed",
    "RecordsRunErrors",
    "SavedRules",
    "TwoDatabases",
    "describe_preflight",
    "describe_run",
    "rules_in_force",
    "run_forever",
]
