"""The `ErpPort` contract (tests/support/erp_contract.py) on the Visma Business adapter, its
tables made on SQLite and PostgreSQL (`empty_database_url` runs once per database)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tandem.connectors.visma_business import VismaBusinessErp, VismaBusinessSettings
from tandem.connectors.visma_business.stamps import datetime_to_stamp
from tandem.domain.erp import ErpEntity, NumberSeries
from tests.integration.visma_business.conftest import Clock
from tests.support.erp_contract import ERP_T0, SERIES, ErpContract


@dataclass
class VismaWorld:
    erp: VismaBusinessErp
    engine: sa.Engine
    clock: Clock

    def advance(self, minutes: int) -> None:
        self.clock.advance(minutes)

    def leave(self, entity: ErpEntity, row_id: str) -> None:
        """Clear the actor's CustNo/EmpNo and stamp ChDt/ChTm, as an ERP user's edit does."""
        actor, columns, change = self.erp.tables.actor, self.erp.settings.actor, self.erp.settings.change
        number = columns.customer_no if entity is ErpEntity.CUSTOMER else columns.employee_no
        day, minute = datetime_to_stamp(self.clock.now, self.erp.zone)
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(actor)
                .where(actor.c[columns.row_no] == int(row_id))
                .values({number: 0, change.date: day, change.time: minute})
            )


def _series_rows(series: tuple[NumberSeries, ...], first: str, last: str) -> list[dict[str, object]]:
    return [{"SerNo": int(s.series_id), "Descr": s.description, first: s.first, last: s.last} for s in series]


@pytest.fixture
def erp_world(empty_database_url: str) -> Iterator[VismaWorld]:
    engine = sa.create_engine(empty_database_url)
    clock = Clock(ERP_T0)
    erp = VismaBusinessErp(engine, VismaBusinessSettings(), clock=clock)
    erp.tables.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(erp.tables.customer_series), _series_rows(SERIES.customer, "FstNo", "LstNo"))
        conn.execute(sa.insert(erp.tables.voucher_series), _series_rows(SERIES.invoice, "FstVoNo", "LstVoNo"))
    try:
        yield VismaWorld(erp, engine, clock)
    finally:
        engine.dispose()


class TestVismaBusinessErpContract(ErpContract):
    pass
