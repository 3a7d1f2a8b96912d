"""The `PsaMasterDataPort` contract (tests/support/master_data_contract.py) on the
in-memory PSA the ERP's unit tests run against."""

from __future__ import annotations

import pytest

from tandem.connectors.memory.master_data import MemoryPsaMasterData
from tests.support.master_data_contract import PsaMasterDataContract


@pytest.fixture
def master_data() -> MemoryPsaMasterData:
    return MemoryPsaMasterData()


class TestMemoryPsaMasterDataContract(PsaMasterDataContract):
    pass
