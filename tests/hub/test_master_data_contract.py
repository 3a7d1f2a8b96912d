"""The `PsaMasterDataPort` contract (tests/support/master_data_contract.py) on the hub, in
process, on SQLite and PostgreSQL (the `tandem` fixture runs once per database)."""

from __future__ import annotations

import pytest

from tandem import bootstrap
from tandem.hub.adapters.master_data import HubMasterData
from tests.support.master_data_contract import PsaMasterDataContract


@pytest.fixture
def master_data(tandem: bootstrap.Tandem) -> HubMasterData:
    return HubMasterData(tandem.db)


class TestHubMasterDataContract(PsaMasterDataContract):
    pass
