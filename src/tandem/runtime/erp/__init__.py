"""ERP runs: executing ERP plans against the ports, run reports, the enable guard.

runs       ErpIntegration (preflight, run, dry run, enable/disable, scheduled_run),
           PreflightFailed
executor   PlanExecutor: one record at a time, each in its own try/except
mirror     ErpMirror: the ERP's records between runs, incremental reads
settings   ErpSyncSettings: `[erp]` transfer/master rules → ErpRules
memory     InMemoryPsaMasterData, InMemoryErpStateStore (tests, bench, CLI demo)
"""

from tandem.runtime.erp.executor import PlanExecutor
from tandem.runtime.erp.memory import InMemoryErpStateStore, InMemoryPsaMasterData
from tandem.runtime.erp.mirror import ErpMirror
from tandem.runtime.erp.runs import ErpIntegration, PreflightFailed
from tandem.runtime.erp.settings import ErpEntitySettings, ErpSyncSettings
from tandem.runtime.erp.text import describe_preflight, describe_run

__all__ = [
    "ErpEntitySettings",
    "ErpIntegration",
    "ErpMirror",
    "ErpSyncSettings",
    "InMemoryErpStateStore",
    "InMemoryPsaMasterData",
    "PlanExecutor",
    "PreflightFailed",
    "describe_preflight",
    "describe_run",
]
