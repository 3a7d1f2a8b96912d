"""The `SyncStateStore` contract (tests/support/state_contract.py) on the SQL store, on
SQLite and PostgreSQL (the `tandem` fixture runs once per database)."""

from __future__ import annotations

import pytest

from tandem import bootstrap
from tandem.store.syncstate import SqlSyncStateStore
from tests.support.state_contract import SyncStateStoreContract


@pytest.fixture
def store(tandem: bootstrap.Tandem) -> SqlSyncStateStore:
    return tandem.sync_store()


class TestSqlSyncStateStoreContract(SyncStateStoreContract):
    pass
