"""The `PsaPort` contract (tests/support/psa_contract.py) on the hub in process (`HubPsa`),
on SQLite and PostgreSQL (the `tandem` fixture runs once per database); its users and
activity type are made through the hub's services."""

from __future__ import annotations

import pytest

from tandem import bootstrap
from tandem.hub.adapters.activities import HubPsa
from tests.support import factories
from tests.support.psa_contract import PsaContract, PsaWorld


@pytest.fixture
def psa_world(tandem: bootstrap.Tandem) -> PsaWorld:
    owner, colleague = factories.user(tandem), factories.user(tandem)
    kind = factories.activity_type(tandem, "Meeting", "CalendarEntry", is_default=True, calendar_sync=True)
    return PsaWorld(HubPsa(tandem.db), owner.guid, colleague.guid, kind.guid)


class TestHubPsaContract(PsaContract):
    pass
