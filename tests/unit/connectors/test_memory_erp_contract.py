"""The `ErpPort` contract (tests/support/erp_contract.py) on the in-memory ERP the ERP
runtime's unit tests run against."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tandem.connectors.memory.erp import MemoryErp
from tandem.domain.erp import ErpEntity
from tests.support.erp_contract import ERP_T0, SERIES, ErpContract


@dataclass
class MemoryWorld:
    erp: MemoryErp

    def advance(self, minutes: int) -> None:
        self.erp.tick(minutes)

    def leave(self, entity: ErpEntity, row_id: str) -> None:
        self.erp.leave(entity, row_id)


@pytest.fixture
def erp_world() -> MemoryWorld:
    erp = MemoryErp(now=ERP_T0)
    erp.series = SERIES
    return MemoryWorld(erp)


class TestMemoryErpContract(ErpContract):
    pass
