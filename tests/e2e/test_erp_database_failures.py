"""ERP-7 when the hub's database fails in the middle of a run: on PostgreSQL its
connections are killed (`pg_terminate_backend`), on SQLite it stays locked past the busy
timeout. The run ends recorded with the reason (on SQLite the records it held up are
written again, one by one, once the lock is gone), nothing is lost or duplicated on either
side, and the next run converges: to the very state a run without the failure reaches.

The runs go through the ERP timer's tick (`schedule._one_run`), as `tandem serve` runs
them, with the hub on a `Database` of its own whose SQLite busy timeout is short.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem import bootstrap
from tandem.domain.erp import MASTER_ENTITIES, ErpEntity
from tandem.runtime.erp import ErpIntegration
from tandem.runtime.erp.schedule import _one_run
from tandem.store.db import Database
from tandem.store.erp_state import SqlErpStateStore
from tests.e2e.database_faults import BreakAtWrite
from tests.integration.visma_business.hub_world import HubWorld, hub_world
from tests.support.hub import Templates, migrated_database, settings_for

BATCH = 20
"""Hub writes per transaction: small, so a run has many and the failure lands mid-run."""


@pytest.fixture
def world(tandem: bootstrap.Tandem, database_kind: str, tmp_path: Path) -> Iterator[HubWorld]:
    with hub_world(tandem, database_kind, tmp_path, batch_size=BATCH) as made:
        yield made


@pytest.fixture
def reference(database_kind: str, templates: Templates, tmp_path: Path) -> Iterator[HubWorld]:
    """The same demo in a second hub, where nothing fails."""
    directory = tmp_path / "reference"
    directory.mkdir()
    with migrated_database(database_kind, templates, directory) as url:
        built = bootstrap.build(settings_for(url, directory))
        try:
            with hub_world(built, database_kind, directory, batch_size=BATCH) as made:
                yield made
        finally:
            built.close()


def view(world: HubWorld, integration: ErpIntegration) -> dict[ErpEntity, Any]:
    """Both sides' records (their values) and the links, per entity: what must agree."""

    def values(records: Any) -> list[str]:
        return sorted(repr(sorted(r.fields.items())) for r in records)

    return {
        entity: (
            values(world.erp.read(entity)),
            values(integration.psa.list(entity)),
            len(integration.store.links(entity)),
        )
        for entity in MASTER_ENTITIES
    }


def tick(integration: ErpIntegration, world: HubWorld) -> None:
    asyncio.run(_one_run(lambda: integration, integration, world.clock))


def test_erp_7_a_lost_database_connection_ends_the_run_recorded_and_the_next_run_converges(
    world: HubWorld, reference: HubWorld, hub_database_url: str
) -> None:
    reference.run()
    db = Database.from_url(hub_database_url, busy_timeout_s=0.2)
    try:
        tandem = dataclasses.replace(world.tandem, db=db, erp_engines=[])
        integration = tandem.erp_integration(erp_url=world.erp_url, clock=world.clock)
        store = integration.store
        assert isinstance(store, SqlErpStateStore)
        store.set_enabled(True)

        fault = BreakAtWrite(db, nth=3)  # the third transaction of hub writes: mid-run
        tick(integration, world)
        fault.remove()
        assert fault.fired
        assert fault.failures, "the database never failed under the run"
        if not db.is_sqlite:
            assert fault.killed >= 1

        failed = store.run_log(1)[0]
        if failed.report is None:  # the run failed as a whole
            reasons = [failed.error or ""]
        else:  # or only the records whose writes met the failure
            reasons = [f.reason for e in failed.report.entities for f in e.failed]
        if db.is_sqlite:
            # The lock outlasted one transaction's busy timeout, then let go: the chunk of
            # records it held was undone and written again one by one, so none had to fail.
            assert failed.report is not None
            assert not any("the database failed" in reason for reason in reasons), reasons
        else:  # the connections are gone: the records written on them fail, and say why
            assert any("the database failed" in reason for reason in reasons), reasons

        world.clock.advance(10)
        tick(integration, world)
        converged = store.run_log(1)[0]
        assert converged.error is None
        assert converged.report is not None
        again = integration.run(world.clock.advance(10), full=True)
        assert again.writes == 0

        assert view(world, integration) == view(reference, reference.integration)
    finally:
        for engine in tandem.erp_engines:
            engine.dispose()
        db.dispose()
