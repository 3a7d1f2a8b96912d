"""The in-memory state store keeps the `ErpStateStore` contract."""

from __future__ import annotations

import pytest

from tandem.connectors.memory.master_data import MemoryErpStateStore
from tests.support.erp_state_contract import ErpStateStoreContract


class TestMemoryErpStateStore(ErpStateStoreContract):
    @pytest.fixture
    def store(self) -> MemoryErpStateStore:
        return MemoryErpStateStore()
