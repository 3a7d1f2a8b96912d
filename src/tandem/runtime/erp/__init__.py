"""ERP runs: executing ERP plans against the ports, run reports, the enable guard.

runs       ErpIntegration (preflight, run, dry run, enable/disable, scheduled_run),
           PreflightFailed
executor   PlanExecutor: one record at a time, each in its own try/except;
           ItemGrouping: how the PSA's and the state's writes share transactions
mirror     ErpMirror: the ERP's records between runs, incremental reads
schedule   run_forever: every `[erp] interval_s` inside `tandem serve` (ERP-7)
settings   ErpSyncSettings: `[erp]` transfer/master rules → ErpRules
"""

from tandem.runtime.erp.executor import EachWriteAlone, ItemGrouping, PlanExecutor
from tandem.runtime.erp.mirror import ErpMirror
from tandem.runtime.erp.runs import ErpIntegration, PreflightFailed, RecordsRunErrors
from tandem.runtime.erp.schedule import run_forever
from tandem.runtime.erp.settings import ErpEntitySettings, ErpSyncSettings
from tandem.runtime.erp.text import describe_preflight, describe_run

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
    "describe_preflight",
    "describe_run",
    "run_forever",
]
