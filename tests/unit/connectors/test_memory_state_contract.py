"""The `SyncStateStore` contract (tests/support/state_contract.py) on the in-memory store
the sync state machine drives the runtime over."""

from __future__ import annotations

import pytest

from tandem.connectors.memory.state import MemorySyncStateStore
from tests.support.state_contract import SyncStateStoreContract


@pytest.fixture
def store() -> MemorySyncStateStore:
    return MemorySyncStateStore()


class TestMemorySyncStateStoreContract(SyncStateStoreContract):
    pass
