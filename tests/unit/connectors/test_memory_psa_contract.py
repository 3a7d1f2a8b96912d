"""The `PsaPort` contract (tests/support/psa_contract.py) on the in-memory PSA the sync
state machine drives the runtime over."""

from __future__ import annotations

import pytest

from tandem.connectors.memory.psa import MemoryPsa
from tandem.domain.activity import ActivityCategory
from tandem.ports.psa import PsaUser, SyncSetup
from tests.support.psa_contract import PsaContract, PsaWorld

OWNER, COLLEAGUE, MEETING = "u-owner", "u-colleague", "t-meeting"


@pytest.fixture
def psa_world() -> PsaWorld:
    setup = SyncSetup(
        addon_enabled=True,
        synced_type_guids=frozenset({MEETING}),
        default_type_guid=MEETING,
        personal_type_guid=None,
        type_categories={MEETING: ActivityCategory.CALENDAR_ENTRY},
        users=(
            PsaUser(OWNER, "owner@example.com", "Europe/Helsinki", True, True),
            PsaUser(COLLEAGUE, "colleague@example.com", "Europe/Helsinki", True, True),
        ),
    )
    return PsaWorld(MemoryPsa(setup), OWNER, COLLEAGUE, MEETING)


class TestMemoryPsaContract(PsaContract):
    pass
