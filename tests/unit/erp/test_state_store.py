"""The in-memory state store keeps the `ErpStateStore` contract."""

from __future__ import annotations

import pytest

from tandem.runtime.erp import InMemoryErpStateStore
from tests.unit.erp.state_contract import ErpStateStoreContract


class TestInMemoryErpStateStore(ErpStateStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryErpStateStore:
        return InMemoryErpStateStore()
