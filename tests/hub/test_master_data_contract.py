"""The `PsaMasterDataPort` contract (tests/support/master_data_contract.py) on the hub, in
process, on SQLite and PostgreSQL (the `tandem` fixture runs once per database)."""

from __future__ import annotations

import pytest

from tandem import bootstrap
from tandem.domain.erp import ErpEntity
from tandem.hub.adapters.master_data import HubMasterData
from tandem.hub.models import User
from tandem.hub.services import lookup, organisation
from tests.support.master_data_contract import PsaMasterDataContract


@pytest.fixture
def master_data(tandem: bootstrap.Tandem) -> HubMasterData:
    return HubMasterData(tandem.db)


class TestHubMasterDataContract(PsaMasterDataContract):
    pass


def test_an_employee_imported_from_the_erp_gets_the_organisations_time_zone(tandem: bootstrap.Tandem) -> None:
    with tandem.db.write() as session:
        organisation.set_time_zone(session, "Europe/Helsinki")
    created = HubMasterData(tandem.db).create(ErpEntity.EMPLOYEE, "E900", {"first_name": "Eino", "last_name": "Erp"})
    with tandem.db.read() as session:
        user = lookup.get(session, User, created.guid)
        assert user.time_zone == "Europe/Helsinki"
