"""The ERP integration as `tandem serve` wires it: a Visma Business demo database and the hub
(its PSA half loaded), both on the same kind of database, for the end-to-end tests in
tests/e2e/test_erp_*.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tandem import bootstrap
from tandem.config import ErpSettings
from tandem.connectors.visma_business import VismaBusinessErp
from tandem.connectors.visma_business.stamps import datetime_to_stamp
from tandem.demo.psa_seed import SeedLoad, load_psa_seed
from tandem.demo.visma_business.database import DemoManifest, DemoScale, create_demo_database
from tandem.domain.erp import FindingKind, ProblemRef, RunReport, Side
from tandem.runtime.erp import ErpIntegration
from tandem.store.erp_state import SqlErpStateStore
from tests.integration.visma_business.conftest import Clock, StatementLog
from tests.support.databases import fresh_database

E2E_SCALE = DemoScale(
    departments=15, products=40, employees=40, customers=80, projects=40, erp_invoices=12, psa_invoices=12
)
"""Every kind of record and planted problem of the full demo, small enough for many tests."""


@dataclass
class HubWorld:
    tandem: bootstrap.Tandem
    erp_url: str
    manifest: DemoManifest
    loaded: SeedLoad
    integration: ErpIntegration
    clock: Clock
    hub_sql: StatementLog
    erp_sql: StatementLog

    @property
    def erp(self) -> VismaBusinessErp:
        assert isinstance(self.integration.erp, VismaBusinessErp)
        return self.integration.erp

    @property
    def store(self) -> SqlErpStateStore:
        assert isinstance(self.integration.store, SqlErpStateStore)
        return self.integration.store

    def run(self, **kwargs: Any) -> RunReport:
        return self.integration.run(self.clock.now, **kwargs)

    def erp_edit(self, table: sa.Table, where: sa.ColumnElement[bool], minutes_later: int, **values: object) -> None:
        """An ERP user's change, stamped `minutes_later` than the clock (ChDt/ChTm, as Visma does)."""
        change = self.erp.settings.change
        day, minute = datetime_to_stamp(self.clock.advance(minutes_later), self.erp.zone)
        with self.tandem.erp_engines[0].begin() as conn:
            conn.execute(sa.update(table).where(where).values({**values, change.date: day, change.time: minute}))

    def erp_rows(self, table: sa.Table, *where: sa.ColumnElement[bool]) -> list[sa.RowMapping]:
        with self.tandem.erp_engines[0].connect() as conn:
            return [r._mapping for r in conn.execute(sa.select(table).where(*where))]

    def customer_where(self, key: str) -> sa.ColumnElement[bool]:
        return self.erp.tables.actor.c.CustNo == int(key)

    def clear_sql(self) -> None:
        self.hub_sql.clear()
        self.erp_sql.clear()

    def unrepresentable_problems(self) -> frozenset[ProblemRef]:
        """Planted PSA problems the hub cannot hold: it numbers every customer and refuses a
        second user with the same code (`SeedLoad` says which records that touched)."""
        problems = set()
        for entity, key, _reason in self.loaded.refused:
            problems.add(ProblemRef(FindingKind.DUPLICATE_KEY, entity, Side.PSA, (key or "",)))
        seeded = {r.guid: r for records in self.manifest.psa_seed.records.values() for r in records}
        for entity, guid in self.loaded.numbered:
            name = seeded[guid].fields.get("name") or ""
            problems.add(ProblemRef(FindingKind.MISSING_KEY, entity, Side.PSA, (name,)))
        return frozenset(problems)


@contextmanager
def hub_world(
    tandem: bootstrap.Tandem, database_kind: str, directory: Path, scale: DemoScale = E2E_SCALE, **erp: Any
) -> Iterator[HubWorld]:
    """The demo ERP on a fresh database of `database_kind`, its PSA half in `tandem`'s hub,
    and `tandem.erp_integration()` on a clock that starts now (so ERP and hub stamps compare)."""
    with fresh_database(database_kind, directory) as erp_url:
        manifest = create_demo_database(erp_url, seed=11, scale=scale)
        settings = ErpSettings(database_url=erp_url, visma=manifest.settings, **erp)
        tandem.settings = tandem.settings.model_copy(update={"erp": settings})
        loaded = load_psa_seed(tandem.db, manifest.psa_seed)
        clock = Clock(datetime.now(UTC).replace(second=0, microsecond=0))
        integration = tandem.erp_integration(clock=clock)
        hub_sql, erp_sql = StatementLog(), StatementLog()
        sa.event.listen(tandem.db.engine, "before_cursor_execute", hub_sql)
        sa.event.listen(tandem.erp_engines[0], "before_cursor_execute", erp_sql)
        try:
            yield HubWorld(tandem, erp_url, manifest, loaded, integration, clock, hub_sql, erp_sql)
        finally:
            for engine in tandem.erp_engines:
                engine.dispose()  # PostgreSQL drops the ERP database only once nobody is connected
