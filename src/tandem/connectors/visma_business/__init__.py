"""The Visma Business adapter: reads through SQL, writes behind `ErpWriter`.

settings   VismaBusinessSettings: `[erp.visma]`, every table/column name overridable
tables     build_tables(settings) → VismaTables (SQLAlchemy Core)
reader     VismaBusinessErp(engine, settings): the `ErpPort`
writer     SqlErpWriter: the SQL `ErpWriter` (replaceable by Visma Business Services)
errors     the one place database failures become Tandem errors
"""

from tandem.connectors.visma_business.reader import VismaBusinessErp
from tandem.connectors.visma_business.settings import GroupExclusionSetting, VismaBusinessSettings
from tandem.connectors.visma_business.tables import VismaTables, build_tables
from tandem.connectors.visma_business.writer import SqlErpWriter

__all__ = [
    "GroupExclusionSetting",
    "SqlErpWriter",
    "VismaBusinessErp",
    "VismaBusinessSettings",
    "VismaTables",
    "build_tables",
]
