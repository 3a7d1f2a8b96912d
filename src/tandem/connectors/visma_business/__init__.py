"""The Visma Business adapter: reads through SQL, writes behind `ErpWriter`.

settings   VismaBusinessSettings: `[erp.visma]`, every table/column name overridable
tables     build_tables(settings) → VismaTables (SQLAlchemy Core)
reader     VismaBusinessErp(engine, settings): the `ErpPort`
writer     SqlErpWriter: the SQL `ErpWriter` (replaceable by Visma Business Services)
errors     the one place database failures become Tandem errors
"""

from typing import TYPE_CHECKING

from tandem import lazy

if TYPE_CHECKING:
    from tandem.connectors.visma_business.reader import VismaBusinessErp
    from tandem.connectors.visma_business.settings import GroupExclusionSetting, VismaBusinessSettings
    from tandem.connectors.visma_business.tables import VismaTables, build_tables
    from tandem.connectors.visma_business.writer import SqlErpWriter
else:  # imported when first used (`tandem.lazy`): `tandem.config` needs only `settings`
    __getattr__ = lazy.exports(
        __name__,
        {
            "GroupExclusionSetting": "settings",
            "SqlErpWriter": "writer",
            "VismaBusinessErp": "reader",
            "VismaBusinessSettings": "settings",
            "VismaTables": "tables",
            "build_tables": "tables",
        },
    )

__all__ = [
    "GroupExclusionSetting",
    "SqlErpWriter",
    "VismaBusinessErp",
    "VismaBusinessSettings",
    "VismaTables",
    "build_tables",
]
